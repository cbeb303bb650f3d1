output "bucket_name" {
  description = "Name of the state bucket."
  value       = module.state_backend.bucket_name
}

output "bucket_arn" {
  description = "ARN of the state bucket (iam module input terraform_state.bucket_arn)."
  value       = module.state_backend.bucket_arn
}

output "lock_table_name" {
  description = "Name of the DynamoDB lock table."
  value       = module.state_backend.lock_table_name
}

output "lock_table_arn" {
  description = "ARN of the DynamoDB lock table."
  value       = module.state_backend.lock_table_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting state and locks."
  value       = module.state_backend.kms_key_arn
}

output "backend_config" {
  description = "Per environment the content of a backend config file for `terraform init -backend-config=FILE`."
  value       = module.state_backend.backend_config
}
