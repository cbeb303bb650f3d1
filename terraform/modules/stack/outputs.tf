# The outputs of docs/contract.md; every environment root passes them through.

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
