locals {
  environment = "local"

  catalogue = yamldecode(file("${path.module}/../../../inventories/${local.environment}/group_vars/all/services.yml")).slipway_services

  # Terraform owns only the static part of each entry; the release owns the rest.
  services = {
    for name, svc in local.catalogue : name => {
      port          = svc.port
      health_path   = svc.health_path
      cpu           = svc.cpu
      memory        = svc.memory
      desired_count = svc.desired_count
      max_count     = try(svc.max_count, svc.desired_count * 4)
    }
  }
}

module "stack" {
  source = "../../modules/stack"

  environment       = local.environment
  services          = local.services
  initial_image_tag = var.initial_image_tag

  vpc_cidr                = var.vpc_cidr
  alb_ingress_cidr_blocks = var.alb_ingress_cidr_blocks
  enable_nat_gateway      = var.enable_nat_gateway
  enable_flow_logs        = var.enable_flow_logs

  prod_listener_protocol = "HTTP"
  prod_listener_port     = 80
  test_listener_port     = 9000

  # Throw-away environment: everything can be destroyed and recreated at once.
  log_retention_days                   = 7
  ecr_force_delete                     = true
  alb_deletion_protection              = false
  deployment_table_deletion_protection = false
  secret_recovery_window_days          = 0

  # Identity, encryption and governance (modules/stack/identity.tf); see docs/terraform-local.md.
  enable_budgets                        = false
  enable_secret_rotation                = false
  artifacts_noncurrent_versions_to_keep = 0
  artifacts_force_destroy               = true
  kms_deletion_window_days              = 7

  # Platform modules: what the emulator cannot do is off (docs/terraform-local.md).
  enable_cloudfront            = false
  enable_waf                   = false
  enable_redis                 = false
  enable_postgres              = false
  enable_backup                = false
  enable_integration_functions = false
  enable_backup_selection      = false
  enable_xray_sampling_rule    = false
  cdn_wait_for_deployment      = false
  data_apply_immediately       = true
  db_deletion_protection       = false
  bucket_force_destroy         = true
  sqs_redrive_allow_policy     = false

  # ECS extras (modules/ecs autoscaling.tf); see docs/terraform-local.md.
  enable_autoscaling = false

  tags = { Owner = "slipway-local" }
}
