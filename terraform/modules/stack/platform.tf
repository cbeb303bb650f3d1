# Platform modules: data tier, CDN, messaging and backup. The network and
# observability modules (main.tf) carry the matching extensions.

locals {
  # Resources carrying this tag are picked up by the backup plan.
  backup_tag = { Backup = "true" }
}

module "data" {
  source = "../data"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.security.service_security_group_id
  kms_key_arn              = local.kms_data
  log_kms_key_arn          = local.kms_logs
  secret_kms_key_arn       = local.kms_secrets

  enable_postgres         = var.data.enable_postgres
  enable_proxy            = var.data.enable_proxy
  enable_redis            = var.data.enable_redis
  postgres_engine_version = var.data.postgres_engine_version
  instance_class          = var.data.instance_class
  multi_az                = var.data.multi_az
  backup_retention_days   = var.data.backup_retention_days
  deletion_protection     = var.data.deletion_protection
  apply_immediately       = var.data.apply_immediately
  redis_node_type         = var.data.redis_node_type
  log_retention_days      = var.log_retention_days
  tags                    = merge(local.tags, local.backup_tag)
}

module "cdn" {
  source = "../cdn"
  count  = var.cdn.enabled ? 1 : 0

  name                = local.name
  enable_cloudfront   = var.cdn.enable_cloudfront
  enable_waf          = var.cdn.enable_waf
  acm_certificate_arn = var.cdn.certificate_arn
  aliases             = var.cdn.aliases
  secondary_origin    = var.cdn.secondary_origin_domain_name == null ? null : { bucket_regional_domain_name = var.cdn.secondary_origin_domain_name }
  wait_for_deployment = var.cdn.wait_for_deployment
  force_destroy       = var.cdn.force_destroy
  log_retention_days  = var.log_retention_days
  log_kms_key_arn     = local.kms_logs
  tags                = local.tags
}

module "messaging" {
  source = "../messaging"
  count  = var.messaging.enabled ? 1 : 0

  name = local.name
  # Queues stay on SQS-managed encryption unless a stack-wide key is given:
  # EventBridge can only deliver to a CMK-encrypted queue whose key policy
  # admits events.amazonaws.com, which the per-class data key does not.
  kms_key_arn          = var.kms.override_key_arn
  log_kms_key_arn      = local.kms_logs
  queues               = var.messaging.queues
  event_rules          = var.messaging.event_rules
  functions            = var.messaging.functions
  enable_functions     = var.messaging.enable_functions
  restrict_dlq_sources = var.messaging.restrict_dlq_sources
  lambda_package_dir   = "${path.module}/../../../lambdas/dist"
  log_retention_days   = var.log_retention_days
  tags                 = local.tags
}

module "backup" {
  source = "../backup"

  name                       = local.name
  enable_backup              = var.backup.enabled
  enable_selection           = var.backup.enable_selection
  kms_key_arn                = local.kms_backup
  daily_retention_days       = var.backup.daily_retention_days
  copy_destination_vault_arn = var.backup.copy_destination_vault_arn
  selection_tag              = { key = keys(local.backup_tag)[0], value = values(local.backup_tag)[0] }
  force_destroy              = var.backup.force_destroy

  enable_s3_replication = var.cdn.enabled && var.backup.s3_replication_destination_bucket_arn != null
  replication_buckets = var.cdn.enabled && var.backup.s3_replication_destination_bucket_arn != null ? {
    site = {
      source_bucket_name     = module.cdn[0].site_bucket_name
      source_bucket_arn      = module.cdn[0].site_bucket_arn
      destination_bucket_arn = var.backup.s3_replication_destination_bucket_arn
    }
  } : {}

  tags = local.tags
}

locals {
  # What the observability module watches (passed in its block in main.tf).
  monitored_ecs_services = {
    for service, svc in module.ecs.services : service => {
      blue  = svc.blue_service_name
      green = svc.green_service_name
    }
  }
  monitored_queues = var.messaging.enabled ? {
    for key, q in module.messaging[0].queues : key => { queue_name = q.name, dlq_name = q.dlq_name }
  } : {}
  monitored_extra_dead_letter_queues = var.messaging.enabled ? {
    for key, name in module.messaging[0].dead_letter_queues : key => name if !contains(keys(var.messaging.queues), key)
  } : {}
}
