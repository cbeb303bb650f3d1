resource "aws_elasticache_subnet_group" "this" {
  count = var.enable_redis ? 1 : 0

  name        = "${var.name}-data"
  description = "Isolated data subnets of ${var.name}"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_elasticache_parameter_group" "this" {
  count = var.enable_redis ? 1 : 0

  name        = "${var.name}-redis${split(".", var.redis_engine_version)[0]}"
  family      = "redis${split(".", var.redis_engine_version)[0]}"
  description = "Slipway Redis: eviction policy and idle timeout"

  parameter {
    name  = "maxmemory-policy"
    value = var.redis_maxmemory_policy
  }

  # Close client connections idle for 10 minutes.
  parameter {
    name  = "timeout"
    value = "600"
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "redis_slow_log" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 365 days); only the throw-away local environment keeps less.
  count = var.enable_redis ? 1 : 0

  name              = "/slipway/elasticache/${local.redis_group_id}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

# --- access control (RBAC with IAM authentication) -------------------------------------
# No Redis AUTH token exists: an AUTH token passed to the replication group
# would sit in the Terraform state in clear text. Instead the user group holds
# a disabled "default" user and one application user that authenticates with
# short-lived IAM tokens (elasticache:Connect), so there is no secret at all.

resource "aws_elasticache_user" "default" {
  count = var.enable_redis ? 1 : 0

  user_id       = "${var.name}-default"
  user_name     = "default"
  engine        = "redis"
  access_string = "off -@all"

  # A switched-off user cannot log in whatever its authentication mode.
  authentication_mode {
    type = "no-password-required"
  }

  tags = var.tags
}

resource "aws_elasticache_user" "app" {
  count = var.enable_redis ? 1 : 0

  # IAM-authenticated users need user_id == user_name.
  user_id       = "${var.name}-app"
  user_name     = "${var.name}-app"
  engine        = "redis"
  access_string = "on ~* +@all -@dangerous"

  authentication_mode {
    type = "iam"
  }

  tags = var.tags
}

resource "aws_elasticache_user_group" "this" {
  count = var.enable_redis ? 1 : 0

  user_group_id = local.redis_group_id
  engine        = "redis"
  user_ids      = [aws_elasticache_user.default[0].user_id, aws_elasticache_user.app[0].user_id]

  tags = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  #checkov:skip=CKV_AWS_31:No AUTH token on purpose (it would be stored in the state); access is RBAC with IAM-authenticated users, and transit encryption is required.
  count = var.enable_redis ? 1 : 0

  replication_group_id = local.redis_group_id
  description          = "Slipway ${var.name} cache"
  engine               = "redis"
  engine_version       = var.redis_engine_version
  node_type            = var.redis_node_type
  port                 = 6379
  parameter_group_name = aws_elasticache_parameter_group.this[0].name
  subnet_group_name    = aws_elasticache_subnet_group.this[0].name
  security_group_ids   = [aws_security_group.redis[0].id]

  num_cache_clusters         = var.redis_replicas
  automatic_failover_enabled = true
  multi_az_enabled           = true

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  user_group_ids             = [aws_elasticache_user_group.this[0].user_group_id]

  snapshot_retention_limit   = var.redis_snapshot_retention_days
  snapshot_window            = "03:00-04:00"
  maintenance_window         = "sun:05:00-sun:06:00"
  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.redis_slow_log[0].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  tags = var.tags
}
