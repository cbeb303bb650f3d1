# The outputs of docs/contract.md; every environment root passes them through.

# --- read by the release ---

output "environment" {
  description = "Environment name."
  value       = var.environment
}

output "region" {
  description = "AWS region."
  value       = data.aws_region.current.name
}

output "account_id" {
  description = "AWS account ID."
  value       = data.aws_caller_identity.current.account_id
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.ecs.cluster_name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = module.ecs.cluster_arn
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = module.ecs.alb_arn
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = module.ecs.alb_dns_name
}

output "prod_listener_arn" {
  description = "ARN of the production listener."
  value       = module.ecs.prod_listener_arn
}

output "prod_listener_port" {
  description = "Port of the production listener."
  value       = module.ecs.prod_listener_port
}

output "test_listener_arn" {
  description = "ARN of the test listener."
  value       = module.ecs.test_listener_arn
}

output "test_listener_port" {
  description = "Port of the test listener."
  value       = module.ecs.test_listener_port
}

output "private_subnet_ids" {
  description = "Private subnet IDs the tasks run in."
  value       = module.network.private_subnet_ids
}

output "service_security_group_id" {
  description = "Security group of the ECS services."
  value       = module.security.service_security_group_id
}

output "execution_role_arn" {
  description = "ARN of the task execution role."
  value       = module.ecs.execution_role_arn
}

output "deployment_table_name" {
  description = "Name of the deployment table."
  value       = module.deployments.table_name
}

output "release_topic_arn" {
  description = "ARN of the release SNS topic."
  value       = module.observability.release_topic_arn
}

output "slack_webhook_secret_arn" {
  description = "ARN of the Slack webhook secret."
  value       = module.observability.slack_webhook_secret_arn
}

output "services" {
  description = "Per service everything the release needs (see docs/contract.md)."
  value = {
    for service, ecs in module.ecs.services : service => merge(ecs, {
      ecr_repository_name = module.ecr.repositories[service].name
      ecr_repository_url  = module.ecr.repositories[service].url
      alarm_names         = module.observability.alarm_names[service]
    })
  }
}

# --- informational: identity, encryption and governance (identity.tf) ---

output "identity" {
  description = "Keys, roles, artifact bucket, secrets and parameters of the environment."
  value = {
    kms_keys                 = module.kms.keys
    github_oidc_provider_arn = module.iam.github_oidc_provider_arn
    github_plan_role_arn     = module.iam.github_plan_role_arn
    github_apply_role_arn    = module.iam.github_apply_role_arn
    github_apply_environment = module.iam.github_apply_environment
    cross_account_role_arns  = module.iam.cross_account_role_arns
    artifacts_bucket_name    = try(module.artifacts[0].bucket_name, null)
    artifacts_bucket_arn     = try(module.artifacts[0].bucket_arn, null)
    database_secret_arns     = module.secrets.database_secret_arns
    parameter_names          = module.secrets.parameter_names
    secret_rotation_enabled  = module.secrets.rotation_enabled
  }
}

output "governance" {
  description = "Budget, required tags, Config rules, and the tag policy and SCP documents."
  value = {
    budget_name              = module.governance.budget_name
    budget_alerts_active     = module.governance.budget_alerts_active
    required_tags            = module.governance.required_tags
    config_rule_names        = module.governance.config_rule_names
    tag_policy_json          = module.governance.tag_policy_json
    service_control_policies = module.governance.service_control_policies
    organizations_policy_ids = module.governance.organizations_policy_ids
  }
}

# --- informational: platform modules (platform.tf) ---

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
  value = var.cdn.enabled ? {
    site_bucket_name = module.cdn[0].site_bucket_name
    log_bucket_name  = module.cdn[0].log_bucket_name
    distribution_id  = module.cdn[0].distribution_id
    domain_name      = module.cdn[0].distribution_domain_name
    web_acl_arn      = module.cdn[0].web_acl_arn
  } : null
}

output "event_bus_name" {
  description = "Name of the integration EventBridge bus, or null."
  value       = var.messaging.enabled ? module.messaging[0].event_bus_name : null
}

output "queues" {
  description = "Per queue key: name, url, arn and those of its DLQ."
  value       = var.messaging.enabled ? module.messaging[0].queues : {}
}

output "integration_functions" {
  description = "Per integration function: name, arn, role and log group."
  value       = var.messaging.enabled ? module.messaging[0].functions : {}
}

output "alert_topic_arns" {
  description = "Alert SNS topic ARNs by severity (critical, warning)."
  value       = module.observability.alert_topic_arns
}

output "backup_vault_name" {
  description = "Name of the AWS Backup vault, or null."
  value       = module.backup.vault_name
}
