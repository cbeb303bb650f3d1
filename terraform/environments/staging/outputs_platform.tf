# Platform outputs (data tier, CDN, messaging, alerts, backup); not part of
# docs/contract.md, which the release reads.

output "data_subnet_ids" {
  description = "Isolated data subnet IDs."
  value       = module.stack.data_subnet_ids
}

output "db_endpoint" {
  description = "Address of the PostgreSQL instance, or null."
  value       = module.stack.db_endpoint
}

output "db_proxy_endpoint" {
  description = "Endpoint of the RDS Proxy (TLS, IAM auth), or null."
  value       = module.stack.db_proxy_endpoint
}

output "db_master_secret_arn" {
  description = "ARN of the RDS-managed master-user secret, or null."
  value       = module.stack.db_master_secret_arn
}

output "redis_primary_endpoint" {
  description = "Primary endpoint of Redis, or null."
  value       = module.stack.redis_primary_endpoint
}

output "cdn" {
  description = "Site bucket, log bucket, distribution ID, domain name and web ACL of the CDN, or null."
  value       = module.stack.cdn
}

output "event_bus_name" {
  description = "Name of the integration EventBridge bus, or null."
  value       = module.stack.event_bus_name
}

output "queues" {
  description = "Per queue key: name, url, arn and those of its DLQ."
  value       = module.stack.queues
}

output "integration_functions" {
  description = "Per integration function: name, arn, role and log group."
  value       = module.stack.integration_functions
}

output "alert_topic_arns" {
  description = "Alert SNS topic ARNs by severity (critical, warning)."
  value       = module.stack.alert_topic_arns
}

output "backup_vault_name" {
  description = "Name of the AWS Backup vault, or null."
  value       = module.stack.backup_vault_name
}
