data "aws_region" "current" {}

locals {
  pg_major        = split(".", var.postgres_engine_version)[0]
  pg_identifier   = "${var.name}-postgres"
  pg_log_exports  = ["postgresql", "upgrade"]
  proxy_enabled   = var.enable_postgres && var.enable_proxy
  redis_group_id  = "${var.name}-redis"
  secret_key      = coalesce(var.secret_kms_key_arn, var.kms_key_arn, "-") == "-" ? null : coalesce(var.secret_kms_key_arn, var.kms_key_arn)
  customer_key    = local.secret_key != null
  db_client_ports = var.enable_postgres ? { postgres = 5432 } : {}

  # Tuned defaults; extra_db_parameters may override any of them.
  db_parameters = merge(
    {
      # Reject every connection that is not TLS.
      "rds.force_ssl" = { value = "1", apply_method = "immediate" }
      # Query statistics (pg_stat_statements) need a restart to load.
      "shared_preload_libraries"    = { value = "pg_stat_statements", apply_method = "pending-reboot" }
      "pg_stat_statements.track"    = { value = "all", apply_method = "immediate" }
      "log_min_duration_statement"  = { value = tostring(var.log_min_duration_statement_ms), apply_method = "immediate" }
      "log_statement"               = { value = "ddl", apply_method = "immediate" }
      "log_connections"             = { value = "1", apply_method = "immediate" }
      "log_disconnections"          = { value = "1", apply_method = "immediate" }
      "log_lock_waits"              = { value = "1", apply_method = "immediate" }
      "log_temp_files"              = { value = "10240", apply_method = "immediate" }
      "log_autovacuum_min_duration" = { value = "1000", apply_method = "immediate" }
      "track_io_timing"             = { value = "1", apply_method = "immediate" }
      # gp3 is SSD: random reads cost little more than sequential ones.
      "random_page_cost"                    = { value = "1.1", apply_method = "immediate" }
      "idle_in_transaction_session_timeout" = { value = "300000", apply_method = "immediate" }
    },
    var.extra_db_parameters,
  )
}

# --- security groups --------------------------------------------------------------
# Clients (the services security group) reach the proxy, or the database when
# there is no proxy, on 5432 and Redis on 6379. Nothing else gets in, and the
# data-tier groups have no egress rule at all.

resource "aws_security_group" "database" {
  count = var.enable_postgres ? 1 : 0

  name        = "${var.name}-postgres"
  description = "Slipway PostgreSQL: 5432 from the RDS Proxy or the services only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-postgres" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "proxy" {
  #checkov:skip=CKV2_AWS_5:Attached to aws_db_proxy.this (postgres.tf); checkov does not follow the counted reference.
  count = local.proxy_enabled ? 1 : 0

  name        = "${var.name}-postgres-proxy"
  description = "Slipway RDS Proxy: 5432 from the services only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-postgres-proxy" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "redis" {
  count = var.enable_redis ? 1 : 0

  name        = "${var.name}-redis"
  description = "Slipway Redis: 6379 from the services only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-redis" })

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  # security group receiving the rule => { port, source security group }
  ingress = merge(
    var.enable_postgres ? {
      "postgres-from-${local.proxy_enabled ? "proxy" : "clients"}" = {
        security_group_id = aws_security_group.database[0].id
        port              = 5432
        source            = local.proxy_enabled ? aws_security_group.proxy[0].id : var.client_security_group_id
        description       = local.proxy_enabled ? "PostgreSQL from the RDS Proxy" : "PostgreSQL from the services"
      }
    } : {},
    local.proxy_enabled ? {
      "proxy-from-clients" = {
        security_group_id = aws_security_group.proxy[0].id
        port              = 5432
        source            = var.client_security_group_id
        description       = "PostgreSQL (RDS Proxy) from the services"
      }
    } : {},
    var.enable_redis ? {
      "redis-from-clients" = {
        security_group_id = aws_security_group.redis[0].id
        port              = 6379
        source            = var.client_security_group_id
        description       = "Redis from the services"
      }
    } : {},
  )

  egress = merge(
    local.proxy_enabled ? {
      "proxy-to-postgres" = {
        security_group_id = aws_security_group.proxy[0].id
        port              = 5432
        destination       = aws_security_group.database[0].id
        description       = "RDS Proxy to PostgreSQL"
      }
    } : {},
    var.manage_client_egress && var.enable_postgres ? {
      "clients-to-postgres" = {
        security_group_id = var.client_security_group_id
        port              = 5432
        destination       = local.proxy_enabled ? aws_security_group.proxy[0].id : aws_security_group.database[0].id
        description       = "Services to PostgreSQL"
      }
    } : {},
    var.manage_client_egress && var.enable_redis ? {
      "clients-to-redis" = {
        security_group_id = var.client_security_group_id
        port              = 6379
        destination       = aws_security_group.redis[0].id
        description       = "Services to Redis"
      }
    } : {},
  )
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress

  security_group_id            = each.value.security_group_id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.source

  tags = var.tags

  # Emulator quirk (moto 5.2): descriptions of rules that reference a security
  # group are not stored (see docs/terraform-local.md).
  lifecycle {
    ignore_changes = [description]
  }
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = local.egress

  security_group_id            = each.value.security_group_id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.destination

  tags = var.tags

  # Emulator quirk (moto 5.2), see above.
  lifecycle {
    ignore_changes = [description]
  }
}
