# The rotation function: lambdas/pg_rotation (the one implementation of the
# four-step protocol, plugins/module_utils/secrets/pg_rotation.py, bundled by
# tools/package-lambdas), one function per database credential so each gets
# only its own secret, its own grants (GRANTS, what testSecret checks) and its
# own owner role. Deployed when rotation_function.enabled; it is then the
# rotation_lambda_arn of that credential's secret.

data "aws_caller_identity" "current" {}

locals {
  rotation   = var.rotation_function
  deploy_fn  = local.rotation.enabled
  functions  = local.deploy_fn ? var.database_credentials : {}
  in_vpc     = length(local.rotation.subnet_ids) > 0
  kms_keys   = compact(concat([var.kms_key_arn == null ? "" : var.kms_key_arn], local.rotation.additional_kms_key_arns))
  fn_names   = { for id, _ in local.functions : id => substr("${var.project}-${var.environment}-${replace(lower(id), "/[^a-z0-9-]/", "-")}-rotation", 0, 64) }
  fn_secrets = { for id, _ in local.functions : id => lookup(local.rotation.secrets, id, null) }

  # GRANTS as the core reads it: each check names one object kind (null attributes dropped).
  fn_grants = {
    for id, s in local.fn_secrets : id => jsonencode([
      for g in(s == null ? [] : s.grants) : { for k, v in g : k => v if v != null }
    ])
  }
  fn_environment = {
    for id, s in local.fn_secrets : id => merge(
      { GRANTS = local.fn_grants[id], LOG_LEVEL = local.rotation.log_level, CONNECT_TIMEOUT = tostring(local.rotation.connect_timeout_seconds) },
      s == null || try(s.owner_role, null) == null ? {} : { OWNER_ROLE = s.owner_role },
      s == null || try(s.strategy, null) == null ? {} : { STRATEGY = s.strategy },
      local.rotation.secrets_manager_endpoint == null ? {} : { SECRETS_MANAGER_ENDPOINT = local.rotation.secrets_manager_endpoint },
    )
  }
}

resource "aws_cloudwatch_log_group" "rotation" {
  #checkov:skip=CKV_AWS_338:Retention is rotation_function.log_retention_days (default 365 days); only the throw-away local environment keeps less.
  for_each = local.functions

  name              = "/aws/lambda/${local.fn_names[each.key]}"
  retention_in_days = local.rotation.log_retention_days
  kms_key_id        = local.rotation.log_kms_key_arn

  tags = merge(var.tags, { Service = each.value.service })
}

data "aws_iam_policy_document" "rotation_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "rotation" {
  for_each = local.functions

  name               = substr("${local.fn_names[each.key]}-lambda", 0, 64)
  assume_role_policy = data.aws_iam_policy_document.rotation_assume.json

  tags = merge(var.tags, { Service = each.value.service })
}

# What lambdas/README.md says the handler calls, on this credential's secret only.
data "aws_iam_policy_document" "rotation" {
  #checkov:skip=CKV_AWS_111:"*" only for secretsmanager:GetRandomPassword, X-Ray's PutTraceSegments/PutTelemetryRecords and the VPC network-interface actions Lambda needs, none of which has resource-level permissions.
  #checkov:skip=CKV_AWS_356:"*" only for secretsmanager:GetRandomPassword, X-Ray's PutTraceSegments/PutTelemetryRecords and the VPC network-interface actions Lambda needs, none of which has resource-level permissions.
  for_each = local.functions

  statement {
    sid       = "RotateOwnSecret"
    actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]
    resources = [aws_secretsmanager_secret.database[each.key].arn]
  }

  dynamic "statement" {
    for_each = try(local.fn_secrets[each.key].master_secret_arn, null) == null ? [] : [local.fn_secrets[each.key].master_secret_arn]
    content {
      sid       = "ReadMasterSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [statement.value]
    }
  }

  statement {
    sid       = "GeneratePasswords"
    actions   = ["secretsmanager:GetRandomPassword"]
    resources = ["*"]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.rotation[each.key].arn}:*"]
  }

  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = length(local.kms_keys) > 0 ? [local.kms_keys] : []
    content {
      sid       = "UseSecretKeys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = local.in_vpc ? [1] : []
    content {
      sid       = "AttachToVpc"
      actions   = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "rotation" {
  for_each = local.functions

  name   = "rotation"
  role   = aws_iam_role.rotation[each.key].id
  policy = data.aws_iam_policy_document.rotation[each.key].json
}

resource "aws_lambda_function" "rotation" {
  #checkov:skip=CKV_AWS_117:In the VPC whenever rotation_function.subnet_ids is given (every real environment: RDS is private); only the local emulator's loopback database runs without one.
  #checkov:skip=CKV_AWS_272:Code comes from this repository through the reviewed pipeline; Lambda code signing is not set up.
  #checkov:skip=CKV_AWS_115:Secrets Manager runs one rotation of a secret at a time; reserving concurrency by default fails in accounts with the minimum concurrency quota.
  #checkov:skip=CKV_AWS_116:Secrets Manager invokes each step synchronously and records a failed step itself (RotationFailed); a DLQ only receives asynchronous invocations.
  for_each = local.functions

  function_name = local.fn_names[each.key]
  description   = "Rotates ${aws_secretsmanager_secret.database[each.key].name} (PostgreSQL, lambdas/pg_rotation)"
  role          = aws_iam_role.rotation[each.key].arn
  runtime       = local.rotation.runtime
  handler       = "handler.handler"
  memory_size   = local.rotation.memory_size
  timeout       = local.rotation.timeout_seconds

  filename         = local.rotation.package
  source_code_hash = local.rotation.package != null && fileexists(coalesce(local.rotation.package, "-")) ? filebase64sha256(local.rotation.package) : null

  kms_key_arn = var.kms_key_arn

  environment {
    variables = local.fn_environment[each.key]
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [1] : []
    content {
      subnet_ids         = local.rotation.subnet_ids
      security_group_ids = local.rotation.security_group_ids
    }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.rotation[each.key].name
  }

  tags = merge(var.tags, { Service = each.value.service })

  lifecycle {
    precondition {
      condition     = local.rotation.package != null && fileexists(coalesce(local.rotation.package, "-"))
      error_message = "No rotation package ${coalesce(local.rotation.package, "(rotation_function.package not set)")}: run tools/package-lambdas pg_rotation first."
    }
  }

  depends_on = [aws_iam_role_policy.rotation]
}

# Only Secrets Manager, for this account and this credential's secret, may invoke it.
resource "aws_lambda_permission" "rotation" {
  for_each = local.functions

  statement_id   = "secretsmanager-rotation"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.rotation[each.key].function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = data.aws_caller_identity.current.account_id
  source_arn     = aws_secretsmanager_secret.database[each.key].arn
}
