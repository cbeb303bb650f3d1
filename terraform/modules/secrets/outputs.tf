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

output "rotation_function_arns" {
  description = "ARN of the rotation function deployed for each database credential (rotation_function.enabled), by identifier."
  value       = { for id, fn in aws_lambda_function.rotation : id => fn.arn }
}

output "rotation_function_names" {
  description = "Name of the rotation function deployed for each database credential, by identifier."
  value       = { for id, fn in aws_lambda_function.rotation : id => fn.function_name }
}
