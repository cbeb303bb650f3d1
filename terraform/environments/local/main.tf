# The local emulator: the same stack as dev, staging and prod, with what the
# emulator cannot do switched off. Every switch is explained in
# docs/terraform-local.md.
module "stack" {
  source = "../../modules/stack"

  environment = "local"
  tags        = { Owner = "slipway-local" }

  # Throw-away environment: short retention, everything destroyable at once.
  log_retention_days = 7

  network = {
    cidr               = var.vpc_cidr
    enable_nat_gateway = var.enable_nat_gateway
    enable_flow_logs   = var.enable_flow_logs
  }

  security = {
    alb_ingress_cidr_blocks = var.alb_ingress_cidr_blocks
  }

  ecr = {
    force_delete = true
  }

  ecs = {
    initial_image_tag = var.initial_image_tag
    # No ACM certificates locally: the production listener is HTTP on 80.
    prod_listener_protocol  = "HTTP"
    prod_listener_port      = 80
    test_listener_port      = 9000
    alb_deletion_protection = false
    enable_autoscaling      = false
  }

  deployments = {
    deletion_protection = false
  }

  kms = {
    deletion_window_days = 7
  }

  artifacts = {
    force_destroy               = true
    noncurrent_versions_to_keep = 0
  }

  secrets = {
    enable_rotation      = false
    recovery_window_days = 0
  }

  governance = {
    enable_budgets = false
  }

  data = {
    enable_postgres     = false
    enable_redis        = false
    deletion_protection = false
    apply_immediately   = true
  }

  # The emulator serves each distribution on a loopback port (tools/local-aws edge-url ID);
  # the web ACL is stored but not evaluated there.
  cdn = {
    wait_for_deployment = false
    force_destroy       = true
  }

  messaging = {
    enable_functions     = false
    restrict_dlq_sources = false
  }

  backup = {
    enabled          = false
    enable_selection = false
    force_destroy    = true
  }

  observability = {
    enable_xray_sampling_rule = false
  }
}

# Locally the Slack secret points at the emulator's webhook receiver (a loopback
# URL, not a secret), so a release's notifications can be read back with
# `tools/local-aws notifications`. In real environments an operator puts the
# URL in; Terraform never holds it.
resource "aws_secretsmanager_secret_version" "slack_webhook" {
  count = var.notifications_webhook_url == null ? 0 : 1

  secret_id     = module.stack.slack_webhook_secret_arn
  secret_string = var.notifications_webhook_url

  lifecycle {
    # A test that points the secret at a receiver of its own moves AWSCURRENT off this version.
    ignore_changes = [version_stages]
  }
}

# Rotated secrets exist locally only with a real PostgreSQL to rotate them on
# (var.rotation_database; the emulator's RDS accepts no connections). Apart
# from module.stack so the rotation tests apply only this (-target=module.rotation).
module "rotation" {
  source = "../../modules/secrets"
  count  = var.rotation_database == null ? 0 : 1

  environment             = "local"
  recovery_window_in_days = 0
  tags                    = { Owner = "slipway-local" }

  database_credentials = {
    for key, c in var.rotation_database.credentials : key => {
      service  = c.service
      username = c.username
      name     = key
      host     = var.rotation_database.host
      port     = var.rotation_database.port
      dbname   = var.rotation_database.dbname
    }
  }

  enable_rotation = var.rotation_database.enable_rotation
  rotation_days   = var.rotation_database.rotation_days

  rotation_function = {
    enabled            = true
    package            = "${path.module}/../../../lambdas/dist/pg_rotation.zip"
    log_retention_days = 7
    secrets = {
      for key, c in var.rotation_database.credentials : key => {
        grants            = c.grants
        owner_role        = c.owner_role
        master_secret_arn = c.master_secret_arn
      }
    }
  }
}
