output "database_secret_arns" {
  description = "ARN of each database credential secret, by identifier."
  value       = { for id, s in aws_secretsmanager_secret.database : id => s.arn }
}

output "database_secret_names" {
  description = "Name of each database credential secret, by identifier."
  value       = { for id, s in aws_secretsmanager_secret.database : id => s.name }
}

output "parameter_names" {
  description = "Name of each Parameter Store entry, by SERVICE/PATH key."
  value       = { for key, p in aws_ssm_parameter.this : key => p.name }
}

output "parameter_arns" {
  description = "ARN of each Parameter Store entry, by SERVICE/PATH key."
  value       = { for key, p in aws_ssm_parameter.this : key => p.arn }
}

output "rotation_enabled" {
  description = "Whether the database credential secrets are rotated."
  value       = var.enable_rotation
}
