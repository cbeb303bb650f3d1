output "table_name" {
  description = "Name of the deployment table."
  value       = aws_dynamodb_table.deployments.name
}

output "table_arn" {
  description = "ARN of the deployment table."
  value       = aws_dynamodb_table.deployments.arn
}
