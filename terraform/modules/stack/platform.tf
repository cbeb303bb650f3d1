# Platform modules: data tier, CDN, messaging and backup. The network and
# observability modules (main.tf) carry the matching extensions.

locals {
  # One customer-managed key per data class (module.kms, identity.tf); a
  # stack-wide var.kms_key_arn, when given, overrides them all.
  kms_data    = coalesce(var.kms_key_arn, module.kms.key_arns["data"])
  kms_logs    = coalesce(var.kms_key_arn, module.kms.key_arns["logs"])
  kms_secrets = coalesce(var.kms_key_arn, module.kms.key_arns["secrets"])
  kms_backup  = coalesce(var.kms_key_arn, module.kms.key_arns["backup"])

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

  enable_postgres         = var.enable_postgres
  enable_proxy            = var.enable_db_proxy
  enable_redis            = var.enable_redis
  postgres_engine_version = var.postgres_engine_version
  instance_class          = var.db_instance_class
  multi_az                = var.db_multi_az
  backup_retention_days   = var.db_backup_retention_days
  deletion_protection     = var.db_deletion_protection
  apply_immediately       = var.data_apply_immediately
  redis_node_type         = var.redis_node_type
  log_retention_days      = var.log_retention_days
  tags                    = merge(local.tags, local.backup_tag)
}

module "cdn" {
  source = "../cdn"
  count  = var.enable_cdn ? 1 : 0

  name                = local.name
  enable_cloudfront   = var.enable_cloudfront
  enable_waf          = var.enable_waf
  acm_certificate_arn = var.cdn_certificate_arn
  aliases             = var.cdn_aliases
  secondary_origin    = var.cdn_secondary_origin_domain_name == null ? null : { bucket_regional_domain_name = var.cdn_secondary_origin_domain_name }
  wait_for_deployment = var.cdn_wait_for_deployment
  force_destroy       = var.bucket_force_destroy
  log_retention_days  = var.log_retention_days
  log_kms_key_arn     = local.kms_logs
  tags                = local.tags
}

module "messaging" {
  source = "../messaging"
  count  = var.enable_messaging ? 1 : 0

  name = local.name
  # Queues stay on SQS-managed encryption unless a stack-wide key is given:
  # EventBridge can only deliver to a CMK-encrypted queue whose key policy
  # admits events.amazonaws.com, which the per-class data key does not.
  kms_key_arn          = var.kms_key_arn
  log_kms_key_arn      = local.kms_logs
  queues               = var.messaging_queues
  event_rules          = var.event_rules
  functions            = var.integration_functions
  enable_functions     = var.enable_integration_functions
  restrict_dlq_sources = var.sqs_redrive_allow_policy
  lambda_package_dir   = "${path.module}/../../../lambdas/dist"
  log_retention_days   = var.log_retention_days
  tags                 = local.tags
}

module "backup" {
  source = "../backup"

  name                       = local.name
  enable_backup              = var.enable_backup
  enable_selection           = var.enable_backup_selection
  kms_key_arn                = local.kms_backup
  daily_retention_days       = var.backup_daily_retention_days
  copy_destination_vault_arn = var.backup_copy_destination_vault_arn
  selection_tag              = { key = keys(local.backup_tag)[0], value = values(local.backup_tag)[0] }
  force_destroy              = var.bucket_force_destroy

  enable_s3_replication = var.enable_cdn && var.s3_replication_destination_bucket_arn != null
  replication_buckets = var.enable_cdn && var.s3_replication_destination_bucket_arn != null ? {
    site = {
      source_bucket_name     = module.cdn[0].site_bucket_name
      source_bucket_arn      = module.cdn[0].site_bucket_arn
      destination_bucket_arn = var.s3_replication_destination_bucket_arn
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
  monitored_queues = var.enable_messaging ? {
    for key, q in module.messaging[0].queues : key => { queue_name = q.name, dlq_name = q.dlq_name }
  } : {}
  monitored_extra_dead_letter_queues = var.enable_messaging ? {
    for key, name in module.messaging[0].dead_letter_queues : key => name if !contains(keys(var.messaging_queues), key)
  } : {}
}
