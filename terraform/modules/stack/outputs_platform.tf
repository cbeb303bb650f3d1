# Outputs of the platform modules (platform.tf); not part of docs/contract.md.

output "data_subnet_ids" {
  description = "Isolated data subnet IDs."
  value       = module.network.data_subnet_ids
}

output "db_endpoint" {
  description = "Address of the PostgreSQL instance, or null."
  value       = module.data.db_endpoint
}

output "db_proxy_endpoint" {
  description = "Endpoint of the RDS Proxy (TLS, IAM auth), or null."
  value       = module.data.proxy_endpoint
}

output "db_master_secret_arn" {
  description = "ARN of the RDS-managed master-user secret, or null."
  value       = module.data.db_master_secret_arn
}

output "redis_primary_endpoint" {
  description = "Primary endpoint of Redis (TLS, IAM-authenticated user), or null."
  value       = module.data.redis_primary_endpoint
}

output "cdn" {
  description = "Site bucket, log bucket, distribution ID and domain name of the CDN, or null."
  value = var.enable_cdn ? {
    site_bucket_name = module.cdn[0].site_bucket_name
    log_bucket_name  = module.cdn[0].log_bucket_name
    distribution_id  = module.cdn[0].distribution_id
    domain_name      = module.cdn[0].distribution_domain_name
    web_acl_arn      = module.cdn[0].web_acl_arn
  } : null
}

output "event_bus_name" {
  description = "Name of the integration EventBridge bus, or null."
  value       = var.enable_messaging ? module.messaging[0].event_bus_name : null
}

output "queues" {
  description = "Per queue key: name, url, arn and those of its DLQ."
  value       = var.enable_messaging ? module.messaging[0].queues : {}
}

output "integration_functions" {
  description = "Per integration function: name, arn, role and log group."
  value       = var.enable_messaging ? module.messaging[0].functions : {}
}

output "alert_topic_arns" {
  description = "Alert SNS topic ARNs by severity (critical, warning)."
  value       = module.observability.alert_topic_arns
}

output "backup_vault_name" {
  description = "Name of the AWS Backup vault, or null."
  value       = module.backup.vault_name
}
