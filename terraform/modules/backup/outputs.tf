output "vault_name" {
  description = "Name of the backup vault, or null."
  value       = one(aws_backup_vault.this[*].name)
}

output "vault_arn" {
  description = "ARN of the backup vault, or null."
  value       = one(aws_backup_vault.this[*].arn)
}

output "plan_id" {
  description = "ID of the backup plan, or null."
  value       = one(aws_backup_plan.this[*].id)
}

output "selection_tag" {
  description = "Tag (key = value) that puts a resource into the backup plan."
  value       = var.selection_tag
}

output "replication_role_arn" {
  description = "ARN of the S3 replication role, or null."
  value       = one(aws_iam_role.replication[*].arn)
}

output "replicated_buckets" {
  description = "Source bucket => destination bucket ARN of every replication configuration."
  value       = { for key, b in local.replication : b.source_bucket_name => b.destination_bucket_arn }
}
