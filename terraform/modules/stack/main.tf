data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  name = "${var.project}-${var.environment}"
  tags = merge(var.tags, { Project = var.project, Environment = var.environment, ManagedBy = "terraform" })

  # The service catalogue, projected once for every environment: Terraform
  # owns only the static part of each entry, the release owns the rest.
  catalogue_file = coalesce(var.service_catalogue_file, "${path.module}/../../../inventories/${var.environment}/group_vars/all/services.yml")
  services = {
    for name, svc in yamldecode(file(local.catalogue_file)).slipway_services : name => {
      port          = svc.port
      health_path   = svc.health_path
      cpu           = svc.cpu
      memory        = svc.memory
      desired_count = svc.desired_count
      max_count     = try(svc.max_count, svc.desired_count * 4)
    }
  }

  # One customer-managed key per data class (module.kms, identity.tf); the
  # stack-wide kms.override_key_arn, when given, replaces them all.
  kms_logs      = coalesce(var.kms.override_key_arn, module.kms.key_arns["logs"])
  kms_data      = coalesce(var.kms.override_key_arn, module.kms.key_arns["data"])
  kms_secrets   = coalesce(var.kms.override_key_arn, module.kms.key_arns["secrets"])
  kms_artifacts = coalesce(var.kms.override_key_arn, module.kms.key_arns["artifacts"])
  kms_backup    = coalesce(var.kms.override_key_arn, module.kms.key_arns["backup"])
}

module "network" {
  source = "../network"

  name                 = local.name
  cidr_block           = var.network.cidr
  az_count             = var.network.az_count
  enable_nat_gateway   = var.network.enable_nat_gateway
  single_nat_gateway   = var.network.single_nat_gateway
  enable_flow_logs     = var.network.enable_flow_logs
  enable_vpc_endpoints = var.network.enable_vpc_endpoints
  log_kms_key_arn      = local.kms_logs
  tags                 = local.tags
}

module "security" {
  source = "../security"

  name                    = local.name
  vpc_id                  = module.network.vpc_id
  alb_ingress_cidr_blocks = var.security.alb_ingress_cidr_blocks
  alb_listener_ports      = var.ecs.prod_listener_protocol == "HTTPS" && var.ecs.enable_http_redirect ? [80, var.ecs.prod_listener_port] : [var.ecs.prod_listener_port]
  test_listener_port      = var.ecs.test_listener_port
  service_ports           = toset([for svc in local.services : svc.port])
  tags                    = local.tags
}

module "ecr" {
  source = "../ecr"

  repository_prefix = var.project
  services          = toset(keys(local.services))
  kms_key_arn       = var.ecr.customer_managed_key ? local.kms_artifacts : null
  force_delete      = var.ecr.force_delete
  tags              = local.tags
}

module "ecs" {
  source = "../ecs"

  project                      = var.project
  environment                  = var.environment
  services                     = local.services
  repositories                 = module.ecr.repositories
  initial_image_tag            = var.ecs.initial_image_tag
  vpc_id                       = module.network.vpc_id
  public_subnet_ids            = module.network.public_subnet_ids
  private_subnet_ids           = module.network.private_subnet_ids
  alb_security_group_id        = module.security.alb_security_group_id
  service_security_group_id    = module.security.service_security_group_id
  alb_deletion_protection      = var.ecs.alb_deletion_protection
  container_insights           = var.ecs.container_insights
  log_retention_days           = var.log_retention_days
  log_kms_key_arn              = local.kms_logs
  prod_listener_protocol       = var.ecs.prod_listener_protocol
  prod_listener_port           = var.ecs.prod_listener_port
  certificate_arn              = var.ecs.certificate_arn
  test_listener_port           = var.ecs.test_listener_port
  deregistration_delay_seconds = var.ecs.deregistration_delay_seconds
  tags                         = local.tags

  enable_http_redirect            = var.ecs.enable_http_redirect
  enable_service_discovery        = var.ecs.enable_service_discovery
  service_discovery_namespace     = var.ecs.service_discovery_namespace
  enable_autoscaling              = var.ecs.enable_autoscaling
  autoscaling_cpu_target          = var.ecs.autoscaling_cpu_target
  autoscaling_memory_target       = var.ecs.autoscaling_memory_target
  autoscaling_requests_per_target = var.ecs.autoscaling_requests_per_target
}

module "observability" {
  source = "../observability"

  project             = var.project
  environment         = var.environment
  alb_arn_suffix      = module.ecs.alb_arn_suffix
  target_groups       = module.ecs.target_group_arn_suffixes
  alarm_notifications = var.observability.alarm_notifications
  # The Slack webhook secret keeps its encryption (the stack-wide key or the
  # AWS-managed one): the release reads it with its own credentials.
  secret_kms_key_arn          = var.kms.override_key_arn
  secret_recovery_window_days = var.secrets.recovery_window_days
  tags                        = local.tags

  ecs_cluster_name          = module.ecs.cluster_name
  ecs_services              = local.monitored_ecs_services
  rds_instance_id           = module.data.db_instance_identifier
  queues                    = local.monitored_queues
  extra_dead_letter_queues  = local.monitored_extra_dead_letter_queues
  enable_xray_sampling_rule = var.observability.enable_xray_sampling_rule
  alert_subscriptions       = var.observability.alert_subscriptions
}

module "deployments" {
  source = "../deployments"

  project                = var.project
  environment            = var.environment
  kms_key_arn            = local.kms_data
  point_in_time_recovery = var.deployments.point_in_time_recovery
  deletion_protection    = var.deployments.deletion_protection
  tags                   = local.tags
}
