# Platform alarms, routed by severity: critical (data at risk, work piling up
# in a dead-letter queue) and warning (saturation that needs a look).

locals {
  severities = toset(["critical", "warning"])

  ecs_alarms = var.enable_platform_alarms && var.ecs_cluster_name != null ? merge(flatten([
    for service, svc in var.ecs_services : [
      for colour, ecs_service in { blue = svc.blue, green = svc.green } : {
        for metric, m in {
          cpu    = { metric_name = "CPUUtilization", threshold = var.ecs_cpu_threshold_percent }
          memory = { metric_name = "MemoryUtilization", threshold = var.ecs_memory_threshold_percent }
          } : "ecs-${service}-${colour}-${metric}" => {
          namespace   = "AWS/ECS"
          metric_name = m.metric_name
          statistic   = "Average"
          threshold   = m.threshold
          comparison  = "GreaterThanThreshold"
          dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = ecs_service }
          severity    = "warning"
          description = "${service} (${colour}): ECS ${metric} above ${m.threshold}%"
          service     = service
        }
      }
    ]
  ])...) : {}

  rds_alarms = var.enable_platform_alarms && var.rds_instance_id != null ? {
    "rds-cpu" = {
      namespace   = "AWS/RDS"
      metric_name = "CPUUtilization"
      statistic   = "Average"
      threshold   = var.rds_cpu_threshold_percent
      comparison  = "GreaterThanThreshold"
      dimensions  = { DBInstanceIdentifier = var.rds_instance_id }
      severity    = "warning"
      description = "PostgreSQL CPU above ${var.rds_cpu_threshold_percent}%"
      service     = "platform"
    }
    "rds-free-storage" = {
      namespace   = "AWS/RDS"
      metric_name = "FreeStorageSpace"
      statistic   = "Minimum"
      threshold   = var.rds_free_storage_threshold_bytes
      comparison  = "LessThanThreshold"
      dimensions  = { DBInstanceIdentifier = var.rds_instance_id }
      severity    = "critical"
      description = "PostgreSQL free storage below ${var.rds_free_storage_threshold_bytes} bytes"
      service     = "platform"
    }
    "rds-connections" = {
      namespace   = "AWS/RDS"
      metric_name = "DatabaseConnections"
      statistic   = "Maximum"
      threshold   = var.rds_connections_threshold
      comparison  = "GreaterThanThreshold"
      dimensions  = { DBInstanceIdentifier = var.rds_instance_id }
      severity    = "warning"
      description = "PostgreSQL connections above ${var.rds_connections_threshold}"
      service     = "platform"
    }
  } : {}

  dead_letter_queues = merge(
    { for key, q in var.queues : key => q.dlq_name },
    var.extra_dead_letter_queues,
  )

  sqs_alarms = var.enable_platform_alarms ? merge(
    { for key, q in var.queues : "sqs-${key}-age" => {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateAgeOfOldestMessage"
      statistic   = "Maximum"
      threshold   = var.queue_age_threshold_seconds
      comparison  = "GreaterThanThreshold"
      dimensions  = { QueueName = q.queue_name }
      severity    = "warning"
      description = "${q.queue_name}: oldest message older than ${var.queue_age_threshold_seconds}s"
      service     = "platform"
    } },
    { for key, name in local.dead_letter_queues : "sqs-${key}-dlq-depth" => {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      statistic   = "Maximum"
      threshold   = 0
      comparison  = "GreaterThanThreshold"
      dimensions  = { QueueName = name }
      severity    = "critical"
      description = "${name}: messages in the dead-letter queue"
      service     = "platform"
    } },
  ) : {}

  platform_alarms = merge(local.ecs_alarms, local.rds_alarms, local.sqs_alarms)
}

resource "aws_sns_topic" "alerts" {
  for_each = local.severities

  name              = "${local.name}-alerts-${each.key}"
  kms_master_key_id = var.sns_kms_key_id

  tags = merge(var.tags, { Severity = each.key })
}

resource "aws_sns_topic_subscription" "alerts" {
  for_each = var.alert_subscriptions

  topic_arn = aws_sns_topic.alerts[each.value.severity].arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
}

resource "aws_cloudwatch_metric_alarm" "platform" {
  for_each = local.platform_alarms

  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = "[${each.value.severity}] ${each.value.description}"
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = var.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  # No data (an idle colour, an empty queue that reports nothing) is no incident.
  treat_missing_data = "notBreaching"
  dimensions         = each.value.dimensions

  alarm_actions = [aws_sns_topic.alerts[each.value.severity].arn]
  ok_actions    = [aws_sns_topic.alerts[each.value.severity].arn]

  tags = merge(var.tags, { Severity = each.value.severity, Service = each.value.service })
}
