output "bucket_name" {
  description = "Name of the state bucket."
  value       = module.bucket.name
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = module.bucket.arn
}

output "lock_table_name" {
  description = "Name of the DynamoDB lock table."
  value       = aws_dynamodb_table.locks.name
}

output "lock_table_arn" {
  description = "ARN of the DynamoDB lock table."
  value       = aws_dynamodb_table.locks.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting state and locks."
  value       = local.kms_key_arn
}

output "state_keys" {
  description = "State object key per environment."
  value       = { for env in var.environments : env => "${var.project}/${env}/terraform.tfstate" }
}

output "backend_config" {
  description = "Per environment the backend settings, as the content of a file for `terraform init -backend-config=FILE`."
  value = {
    for env in var.environments : env => <<-EOT
      bucket         = "${module.bucket.name}"
      key            = "${var.project}/${env}/terraform.tfstate"
      region         = "${local.region}"
      encrypt        = true
      kms_key_id     = "${local.kms_key_arn}"
      use_lockfile   = true
      dynamodb_table = "${aws_dynamodb_table.locks.name}"
    EOT
  }
}
