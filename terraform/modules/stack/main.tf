data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  name = "${var.project}-${var.environment}"
  tags = merge(var.tags, { Project = var.project, Environment = var.environment, ManagedBy = "terraform" })
}

module "network" {
  source = "../network"

  name               = local.name
  cidr_block         = var.vpc_cidr
  az_count           = var.az_count
  enable_nat_gateway = var.enable_nat_gateway
  enable_flow_logs   = var.enable_flow_logs
  log_kms_key_arn    = var.kms_key_arn
  tags               = local.tags

  single_nat_gateway   = var.single_nat_gateway
  enable_vpc_endpoints = var.enable_vpc_endpoints
}

module "security" {
  source = "../security"

  name                    = local.name
  vpc_id                  = module.network.vpc_id
  alb_ingress_cidr_blocks = var.alb_ingress_cidr_blocks
  alb_listener_ports      = var.prod_listener_protocol == "HTTPS" && var.enable_http_redirect ? [80, var.prod_listener_port] : [var.prod_listener_port]
  test_listener_port      = var.test_listener_port
  service_ports           = toset([for svc in var.services : svc.port])
  tags                    = local.tags
}

module "ecr" {
  source = "../ecr"

  repository_prefix = var.project
  services          = toset(keys(var.services))
  kms_key_arn       = var.kms_key_arn
  force_delete      = var.ecr_force_delete
  tags              = local.tags
}

module "ecs" {
  source = "../ecs"

  project                      = var.project
  environment                  = var.environment
  services                     = var.services
  repositories                 = module.ecr.repositories
  initial_image_tag            = var.initial_image_tag
  vpc_id                       = module.network.vpc_id
  public_subnet_ids            = module.network.public_subnet_ids
  private_subnet_ids           = module.network.private_subnet_ids
  alb_security_group_id        = module.security.alb_security_group_id
  service_security_group_id    = module.security.service_security_group_id
  alb_deletion_protection      = var.alb_deletion_protection
  container_insights           = var.container_insights
  log_retention_days           = var.log_retention_days
  log_kms_key_arn              = var.kms_key_arn
  prod_listener_protocol       = var.prod_listener_protocol
  prod_listener_port           = var.prod_listener_port
  certificate_arn              = var.certificate_arn
  test_listener_port           = var.test_listener_port
  deregistration_delay_seconds = var.deregistration_delay_seconds
  tags                         = local.tags

  enable_http_redirect            = var.enable_http_redirect
  enable_service_discovery        = var.enable_service_discovery
  service_discovery_namespace     = var.service_discovery_namespace
  enable_autoscaling              = var.enable_autoscaling
  autoscaling_cpu_target          = var.autoscaling_cpu_target
  autoscaling_memory_target       = var.autoscaling_memory_target
  autoscaling_requests_per_target = var.autoscaling_requests_per_target
}

module "observability" {
  source = "../observability"

  project                     = var.project
  environment                 = var.environment
  alb_arn_suffix              = module.ecs.alb_arn_suffix
  target_groups               = module.ecs.target_group_arn_suffixes
  alarm_notifications         = var.alarm_notifications
  secret_kms_key_arn          = var.kms_key_arn
  secret_recovery_window_days = var.secret_recovery_window_days
  tags                        = local.tags

  ecs_cluster_name          = module.ecs.cluster_name
  ecs_services              = local.monitored_ecs_services
  rds_instance_id           = module.data.db_instance_identifier
  queues                    = local.monitored_queues
  extra_dead_letter_queues  = local.monitored_extra_dead_letter_queues
  enable_xray_sampling_rule = var.enable_xray_sampling_rule
  alert_subscriptions       = var.alert_subscriptions
}

module "deployments" {
  source = "../deployments"

  project                = var.project
  environment            = var.environment
  kms_key_arn            = var.kms_key_arn
  point_in_time_recovery = var.point_in_time_recovery
  deletion_protection    = var.deployment_table_deletion_protection
  tags                   = local.tags
}
