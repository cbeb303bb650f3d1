locals {
  prefix = "${var.project}/${var.environment}"

  generated = { for id, c in var.database_credentials : id => c if c.initial_password == "generate" }

  # One parameter per connection setting, keyed by its path under /PROJECT/ENVIRONMENT/.
  # The key set must be known at plan time, so every connection gets the same
  # five parameters; "endpoint" is where applications connect (the RDS Proxy
  # when there is one, else the database host).
  connection_parameters = merge([
    for name, c in var.database_connections : {
      "${c.service}/db/${name}/host"     = { value = c.host, secure = true, description = "${name} database host" }
      "${c.service}/db/${name}/port"     = { value = tostring(c.port), secure = false, description = "${name} database port" }
      "${c.service}/db/${name}/dbname"   = { value = c.dbname, secure = false, description = "${name} database name" }
      "${c.service}/db/${name}/endpoint" = { value = coalesce(c.proxy_endpoint, c.host), secure = true, description = "${name} endpoint to connect to (RDS Proxy when configured)" }
      "${c.service}/db/${name}/url"      = { value = "${c.url_scheme}://${coalesce(c.proxy_endpoint, c.host)}:${c.port}/${c.dbname}", secure = true, description = "${name} connection URL (through the RDS Proxy when configured)" }
    }
  ]...)

  all_parameters = merge(
    local.connection_parameters,
    { for key, p in var.parameters : key => { value = p.value, secure = p.secure, description = p.description } },
  )
}

# --- database credentials ------------------------------------------------------

resource "aws_secretsmanager_secret" "database" {
  #checkov:skip=CKV2_AWS_57:Rotation is configured by aws_secretsmanager_secret_rotation.database whenever enable_rotation is true (off only where no database the function can reach exists, such as the emulator's foundation).
  for_each = var.database_credentials

  name                    = "${local.prefix}/${each.value.service}/${each.value.name}"
  description             = coalesce(each.value.description, "${each.value.service}: ${each.value.engine} credentials of ${each.value.username} (${var.environment})")
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days

  tags = merge(var.tags, { Service = each.value.service, DataClass = "secrets" })
}

# The value never passes through Terraform state: Secrets Manager generates the
# password, it is only ever held in an ephemeral value and written through a
# write-only attribute.
ephemeral "aws_secretsmanager_random_password" "initial" {
  for_each = local.generated

  password_length            = 32
  exclude_characters         = "\"'@/\\ `"
  require_each_included_type = true
}

resource "aws_secretsmanager_secret_version" "initial" {
  for_each = local.generated

  secret_id = aws_secretsmanager_secret.database[each.key].id
  secret_string_wo = jsonencode(merge(
    {
      engine   = each.value.engine
      username = each.value.username
      password = ephemeral.aws_secretsmanager_random_password.initial[each.key].random_password
      port     = each.value.port
    },
    each.value.host == null ? {} : { host = each.value.host },
    each.value.dbname == null ? {} : { dbname = each.value.dbname },
  ))
  secret_string_wo_version = each.value.initial_value_version

  # Rotation moves AWSCURRENT to newer versions; this one is only the seed.
  lifecycle {
    ignore_changes = [version_stages]
  }
}

resource "aws_secretsmanager_secret_rotation" "database" {
  #checkov:skip=CKV_AWS_304:rotation_days defaults to 30 here and in the stack's secrets object; checkov cannot resolve the optional() attributes of the stack's typed inputs through which every environment sets it.
  for_each = var.enable_rotation ? var.database_credentials : {}

  secret_id           = aws_secretsmanager_secret.database[each.key].id
  rotation_lambda_arn = local.deploy_fn ? aws_lambda_function.rotation[each.key].arn : var.rotation_lambda_arn
  rotate_immediately  = var.rotate_immediately

  rotation_rules {
    automatically_after_days = var.rotation_days
  }

  lifecycle {
    precondition {
      condition     = local.deploy_fn || var.rotation_lambda_arn != null
      error_message = "enable_rotation needs rotation_lambda_arn or rotation_function.enabled (or set enable_rotation = false)."
    }
  }

  depends_on = [aws_secretsmanager_secret_version.initial, aws_lambda_permission.rotation]
}

# --- Parameter Store -------------------------------------------------------------

resource "aws_ssm_parameter" "this" {
  #checkov:skip=CKV2_AWS_34:Only non-sensitive values (ports, database names, parameters with secure = false) are plain String; everything else is a SecureString.
  for_each = local.all_parameters

  name        = "/${local.prefix}/${each.key}"
  description = each.value.description
  type        = each.value.secure ? "SecureString" : "String"
  key_id      = each.value.secure ? var.kms_key_arn : null
  value       = each.value.value

  tags = merge(var.tags, { Service = split("/", each.key)[0] })
}
