data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  customer_key = var.kms_key_arn != null

  functions      = var.enable_functions ? var.functions : {}
  function_names = { for key, _ in local.functions : key => "${var.name}-${replace(key, "_", "-")}" }
  packages       = { for key, _ in local.functions : key => "${var.lambda_package_dir}/${key}.zip" }

  # Rules whose target function is switched off are left out with it.
  event_rules    = { for key, r in var.event_rules : key => r if r.function == null || var.enable_functions }
  queue_rules    = { for key, r in local.event_rules : key => r if r.queue != null }
  function_rules = { for key, r in local.event_rules : key => r if r.function != null }

  # Lambda DLQs sit next to the queues of var.queues; the bus has one more DLQ
  # for events EventBridge could not deliver.
  dlq_keys = merge(
    { for key, _ in var.queues : key => "${var.name}-${key}-dlq" },
    { for key, _ in local.functions : "fn-${key}" => "${local.function_names[key]}-dlq" },
    { "bus" = "${var.name}-events-dlq" },
  )
}

# --- queues -----------------------------------------------------------------------------

resource "aws_sqs_queue" "dlq" {
  for_each = local.dlq_keys

  name                      = each.value
  message_retention_seconds = 1209600

  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.customer_key ? 300 : null
  sqs_managed_sse_enabled           = local.customer_key ? null : true

  tags = var.tags
}

resource "aws_sqs_queue" "this" {
  for_each = var.queues

  name                       = "${var.name}-${each.key}"
  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  message_retention_seconds  = each.value.message_retention_seconds
  receive_wait_time_seconds  = each.value.receive_wait_time_seconds

  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.customer_key ? 300 : null
  sqs_managed_sse_enabled           = local.customer_key ? null : true

  tags = var.tags

  # The redrive policy belongs to aws_sqs_queue_redrive_policy below; the
  # queue resource would otherwise re-plan it whenever the API returns it
  # formatted differently (the emulator adds spaces).
  lifecycle {
    ignore_changes = [redrive_policy]
  }
}

resource "aws_sqs_queue_redrive_policy" "this" {
  for_each = var.queues

  queue_url = aws_sqs_queue.this[each.key].id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })
}

# Each queue's DLQ accepts redriven messages from that queue only.
resource "aws_sqs_queue_redrive_allow_policy" "this" {
  for_each = var.restrict_dlq_sources ? var.queues : {}

  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

data "aws_iam_policy_document" "queue" {
  for_each = var.queues

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["sqs:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_sqs_queue.this[each.key].arn]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Only the rules that target this queue may send to it through EventBridge.
  dynamic "statement" {
    for_each = length([for r in local.queue_rules : r if r.queue == each.key]) > 0 ? [1] : []
    content {
      sid     = "AllowOwnBusRules"
      actions = ["sqs:SendMessage"]
      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }
      resources = [aws_sqs_queue.this[each.key].arn]
      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [for key, r in local.queue_rules : aws_cloudwatch_event_rule.this[key].arn if r.queue == each.key]
      }
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  for_each = var.queues

  queue_url = aws_sqs_queue.this[each.key].id
  policy    = data.aws_iam_policy_document.queue[each.key].json
}

data "aws_iam_policy_document" "dlq" {
  for_each = local.dlq_keys

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["sqs:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_sqs_queue.dlq[each.key].arn]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # The bus DLQ takes the events the rules of this bus could not deliver.
  dynamic "statement" {
    for_each = each.key == "bus" && length(local.event_rules) > 0 ? [1] : []
    content {
      sid     = "AllowOwnBusRules"
      actions = ["sqs:SendMessage"]
      principals {
        type        = "Service"
        identifiers = ["events.amazonaws.com"]
      }
      resources = [aws_sqs_queue.dlq[each.key].arn]
      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [for rule in aws_cloudwatch_event_rule.this : rule.arn]
      }
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  for_each = local.dlq_keys

  queue_url = aws_sqs_queue.dlq[each.key].id
  policy    = data.aws_iam_policy_document.dlq[each.key].json
}

# --- EventBridge ----------------------------------------------------------------------------

resource "aws_cloudwatch_event_bus" "this" {
  name = "${var.name}-integrations"

  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = local.event_rules

  name           = "${var.name}-${each.key}"
  description    = each.value.description
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = each.value.event_pattern
  state          = "ENABLED"

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = local.event_rules

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = each.value.queue != null ? "queue-${each.value.queue}" : "function-${replace(each.value.function, "_", "-")}"
  arn            = each.value.queue != null ? aws_sqs_queue.this[each.value.queue].arn : aws_lambda_function.this[each.value.function].arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq["bus"].arn
  }
}
