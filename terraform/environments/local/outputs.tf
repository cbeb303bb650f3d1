# The one copy of the root outputs: dev, staging and prod link to this file, so every
# environment exposes the same contract.
# Exactly the outputs of docs/contract.md: Ansible reads them through
# slipway.aws.terraform_output. Keep names and shapes in step with the contract.

output "environment" {
  description = "Environment name."
  value       = module.stack.environment
}

output "region" {
  description = "AWS region."
  value       = module.stack.region
}

output "account_id" {
  description = "AWS account ID."
  value       = module.stack.account_id
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.stack.cluster_name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = module.stack.cluster_arn
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = module.stack.alb_arn
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = module.stack.alb_dns_name
}

output "prod_listener_arn" {
  description = "ARN of the production listener."
  value       = module.stack.prod_listener_arn
}

output "prod_listener_port" {
  description = "Port of the production listener."
  value       = module.stack.prod_listener_port
}

output "test_listener_arn" {
  description = "ARN of the test listener."
  value       = module.stack.test_listener_arn
}

output "test_listener_port" {
  description = "Port of the test listener."
  value       = module.stack.test_listener_port
}

output "private_subnet_ids" {
  description = "Private subnet IDs the tasks run in."
  value       = module.stack.private_subnet_ids
}

output "service_security_group_id" {
  description = "Security group of the ECS services."
  value       = module.stack.service_security_group_id
}

output "execution_role_arn" {
  description = "ARN of the task execution role."
  value       = module.stack.execution_role_arn
}

output "deployment_table_name" {
  description = "Name of the deployment table."
  value       = module.stack.deployment_table_name
}

output "release_topic_arn" {
  description = "ARN of the release SNS topic."
  value       = module.stack.release_topic_arn
}

output "slack_webhook_secret_arn" {
  description = "ARN of the Slack webhook secret (value set by an operator)."
  value       = module.stack.slack_webhook_secret_arn
}

output "services" {
  description = "Per service: ECR repository, task family, container, roles, log group, host header, ECS services, target groups, listener rules and alarm names."
  value       = module.stack.services
}

# --- informational: identity, encryption and governance; the release reads none of them ---

output "identity" {
  description = "KMS keys per data class, GitHub OIDC and cross-account roles, artifact bucket, database secrets and parameters."
  value       = module.stack.identity
}

output "governance" {
  description = "Budget, required tags, Config rules, and the Organizations tag policy and SCP documents."
  value       = module.stack.governance
}

# --- informational: data tier, CDN, messaging, alerts, backup ---

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
