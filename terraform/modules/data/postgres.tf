resource "aws_db_subnet_group" "this" {
  count = var.enable_postgres ? 1 : 0

  name        = "${var.name}-data"
  description = "Isolated data subnets of ${var.name}"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_db_parameter_group" "this" {
  count = var.enable_postgres ? 1 : 0

  name_prefix = "${var.name}-postgres${local.pg_major}-"
  family      = "postgres${local.pg_major}"
  description = "Slipway PostgreSQL ${local.pg_major}: TLS only, pg_stat_statements, slow-query logging"

  dynamic "parameter" {
    for_each = local.db_parameters
    content {
      name         = parameter.key
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# RDS would create these on first export with infinite retention and no key;
# creating them first fixes both.
resource "aws_cloudwatch_log_group" "postgres" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 365 days); only the throw-away local environment keeps less.
  for_each = var.enable_postgres ? toset(local.pg_log_exports) : toset([])

  name              = "/aws/rds/instance/${local.pg_identifier}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

# --- Enhanced Monitoring role ------------------------------------------------------

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  count = var.enable_postgres ? 1 : 0

  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json

  tags = var.tags
}

# The permissions of the AWS-managed AmazonRDSEnhancedMonitoringRole policy,
# written out and limited to the RDSOSMetrics log group.
data "aws_iam_policy_document" "monitoring" {
  statement {
    sid       = "CreateMetricsLogGroup"
    actions   = ["logs:CreateLogGroup", "logs:PutRetentionPolicy"]
    resources = ["arn:aws:logs:*:*:log-group:RDS*"]
  }

  statement {
    sid = "WriteMetrics"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
      "logs:GetLogEvents",
    ]
    resources = ["arn:aws:logs:*:*:log-group:RDS*:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "monitoring" {
  count = var.enable_postgres ? 1 : 0

  name   = "enhanced-monitoring"
  role   = aws_iam_role.monitoring[0].id
  policy = data.aws_iam_policy_document.monitoring.json
}

# --- the database -------------------------------------------------------------------

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_293:deletion_protection defaults to true here and in the stack's data object; checkov cannot resolve the optional() attributes of the stack's typed inputs through which every environment sets it.
  #checkov:skip=CKV_AWS_133:backup_retention_days defaults to 14 (validated >= 7); checkov cannot resolve the optional() attributes of the stack's typed inputs through which every environment sets it.
  #checkov:skip=CKV_AWS_157:multi_az defaults to true here and in the stack's data object; checkov cannot resolve the optional() attributes of the stack's typed inputs through which every environment sets it.
  count = var.enable_postgres ? 1 : 0

  identifier     = local.pg_identifier
  engine         = "postgres"
  engine_version = var.postgres_engine_version
  instance_class = var.instance_class
  multi_az       = var.multi_az

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_name  = var.database_name
  username = var.master_username
  # RDS generates the password and keeps (and rotates) it in Secrets Manager:
  # it never appears in the configuration or the state.
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = local.secret_key
  iam_database_authentication_enabled = true

  db_subnet_group_name   = aws_db_subnet_group.this[0].name
  vpc_security_group_ids = [aws_security_group.database[0].id]
  publicly_accessible    = false
  network_type           = "IPV4"
  parameter_group_name   = aws_db_parameter_group.this[0].name

  backup_retention_period  = var.backup_retention_days
  backup_window            = var.backup_window
  maintenance_window       = var.maintenance_window
  copy_tags_to_snapshot    = true
  delete_automated_backups = false

  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = !var.deletion_protection
  final_snapshot_identifier = var.deletion_protection ? "${local.pg_identifier}-final" : null

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  apply_immediately           = var.apply_immediately

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = var.performance_insights_retention_days
  monitoring_interval                   = var.monitoring_interval_seconds
  monitoring_role_arn                   = aws_iam_role.monitoring[0].arn
  enabled_cloudwatch_logs_exports       = local.pg_log_exports

  tags = merge(var.tags, { Name = local.pg_identifier })

  depends_on = [aws_cloudwatch_log_group.postgres, aws_iam_role_policy.monitoring]
}

# --- RDS Proxy ------------------------------------------------------------------------

data "aws_iam_policy_document" "proxy_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "proxy" {
  count = local.proxy_enabled ? 1 : 0

  name               = "${var.name}-rds-proxy"
  assume_role_policy = data.aws_iam_policy_document.proxy_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "proxy" {
  count = local.proxy_enabled ? 1 : 0

  statement {
    sid       = "ReadManagedMasterSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [aws_db_instance.this[0].master_user_secret[0].secret_arn]
  }

  # With the AWS-managed aws/secretsmanager key its key policy already allows this.
  dynamic "statement" {
    for_each = local.customer_key ? [local.secret_key] : []
    content {
      sid       = "DecryptSecretThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "proxy" {
  count = local.proxy_enabled ? 1 : 0

  name   = "read-master-secret"
  role   = aws_iam_role.proxy[0].id
  policy = data.aws_iam_policy_document.proxy[0].json
}

resource "aws_db_proxy" "this" {
  count = local.proxy_enabled ? 1 : 0

  name                   = "${var.name}-postgres"
  engine_family          = "POSTGRESQL"
  role_arn               = aws_iam_role.proxy[0].arn
  vpc_subnet_ids         = var.subnet_ids
  vpc_security_group_ids = [aws_security_group.proxy[0].id]
  require_tls            = true
  idle_client_timeout    = var.proxy_idle_client_timeout_seconds
  debug_logging          = false

  # Clients authenticate with IAM tokens; the proxy logs in to the database
  # with the RDS-managed master secret.
  auth {
    auth_scheme = "SECRETS"
    iam_auth    = "REQUIRED"
    secret_arn  = aws_db_instance.this[0].master_user_secret[0].secret_arn
    description = "RDS-managed master user secret"
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.proxy]
}

resource "aws_db_proxy_default_target_group" "this" {
  count = local.proxy_enabled ? 1 : 0

  db_proxy_name = aws_db_proxy.this[0].name

  connection_pool_config {
    max_connections_percent      = var.proxy_max_connections_percent
    max_idle_connections_percent = floor(var.proxy_max_connections_percent / 2)
    connection_borrow_timeout    = 120
  }
}

resource "aws_db_proxy_target" "this" {
  count = local.proxy_enabled ? 1 : 0

  db_proxy_name          = aws_db_proxy.this[0].name
  target_group_name      = aws_db_proxy_default_target_group.this[0].name
  db_instance_identifier = aws_db_instance.this[0].identifier
}
