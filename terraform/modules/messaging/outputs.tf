output "event_bus_name" {
  description = "Name of the custom EventBridge bus for integration events."
  value       = aws_cloudwatch_event_bus.this.name
}

output "event_bus_arn" {
  description = "ARN of the custom EventBridge bus (events:PutEvents policies)."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "queues" {
  description = "Per queue key: name, url and arn of the queue and of its dead-letter queue."
  value = {
    for key, q in aws_sqs_queue.this : key => {
      name     = q.name
      url      = q.url
      arn      = q.arn
      dlq_name = aws_sqs_queue.dlq[key].name
      dlq_url  = aws_sqs_queue.dlq[key].url
      dlq_arn  = aws_sqs_queue.dlq[key].arn
    }
  }
}

output "dead_letter_queues" {
  description = "Names of every dead-letter queue (queues, functions, bus) by key, for alarms."
  value       = { for key, q in aws_sqs_queue.dlq : key => q.name }
}

output "functions" {
  description = "Per function key: name, arn, role arn and log group."
  value = {
    for key, fn in aws_lambda_function.this : key => {
      name      = fn.function_name
      arn       = fn.arn
      role_arn  = aws_iam_role.function[key].arn
      log_group = aws_cloudwatch_log_group.function[key].name
    }
  }
}

output "eventbridge_kms_statement" {
  description = "Key-policy statement (JSON) the owner of kms_key_arn must add so EventBridge can deliver to the encrypted queues; null without a customer-managed key."
  value = local.customer_key ? jsonencode({
    Sid       = "AllowEventBridgeToEncryptedQueues"
    Effect    = "Allow"
    Principal = { Service = "events.amazonaws.com" }
    Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
    Resource  = "*"
    Condition = {
      StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
    }
  }) : null
}
