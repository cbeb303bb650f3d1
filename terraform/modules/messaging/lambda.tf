# Integration functions. The archive provider is not in the offline provider
# mirror, so tools/package-lambdas builds a reproducible zip per function
# (fixed timestamps and order) and Terraform only hashes it.

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 365 days); only the throw-away local environment keeps less.
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = "${local.function_names[each.key]}-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "function" {
  #checkov:skip=CKV_AWS_111:Only xray:PutTraceSegments/PutTelemetryRecords use "*": X-Ray has no resource-level permissions.
  #checkov:skip=CKV_AWS_356:Only xray:PutTraceSegments/PutTelemetryRecords use "*": X-Ray has no resource-level permissions.
  for_each = local.functions

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "SendToOwnQueues"
    actions   = ["sqs:SendMessage"]
    resources = compact([aws_sqs_queue.dlq["fn-${each.key}"].arn, try(aws_sqs_queue.this[each.value.target_queue].arn, "")])
  }

  dynamic "statement" {
    for_each = local.customer_key ? [var.kms_key_arn] : []
    content {
      sid       = "UseQueueAndEnvironmentKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "integration"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions only call AWS APIs (SQS); outside a VPC they need no NAT gateway or endpoints.
  #checkov:skip=CKV_AWS_272:Code comes from this repository through the reviewed pipeline; Lambda code signing is not set up.
  #checkov:skip=CKV_AWS_115:Concurrency is per function (reserved_concurrency); reserving by default fails in accounts with the minimum concurrency quota.
  for_each = local.functions

  function_name = local.function_names[each.key]
  description   = each.value.description
  role          = aws_iam_role.function[each.key].arn
  runtime       = var.lambda_runtime
  handler       = each.value.handler
  memory_size   = each.value.memory_size
  timeout       = each.value.timeout_seconds

  reserved_concurrent_executions = each.value.reserved_concurrency

  filename         = local.packages[each.key]
  source_code_hash = fileexists(local.packages[each.key]) ? filebase64sha256(local.packages[each.key]) : null

  kms_key_arn = var.kms_key_arn

  environment {
    variables = merge(
      each.value.environment,
      each.value.target_queue != null ? { TARGET_QUEUE_URL = aws_sqs_queue.this[each.value.target_queue].url } : {},
    )
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq["fn-${each.key}"].arn
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = fileexists(local.packages[each.key])
      error_message = "No package ${local.packages[each.key]}: run tools/package-lambdas first."
    }
  }

  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_permission" "events" {
  for_each = local.function_rules

  statement_id  = "events-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this[each.value.function].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[each.key].arn
}
