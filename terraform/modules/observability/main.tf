locals {
  name = "${var.project}-${var.environment}"

  metrics = {
    "5xx" = {
      metric_name = "HTTPCode_Target_5XX_Count"
      statistic   = "Sum"
      threshold   = var.target_5xx_threshold
      description = "5xx responses from the targets"
    }
    "latency" = {
      metric_name = "TargetResponseTime"
      statistic   = "Average"
      threshold   = var.latency_threshold_seconds
      description = "average target response time (seconds)"
    }
    "unhealthy-hosts" = {
      metric_name = "UnHealthyHostCount"
      statistic   = "Maximum"
      threshold   = var.unhealthy_hosts_threshold
      description = "unhealthy targets"
    }
  }

  # service x colour x metric, keyed "SERVICE-COLOUR-METRIC".
  alarms = merge(flatten([
    for service, tg in var.target_groups : [
      for colour, suffix in { blue = tg.blue, green = tg.green } : {
        for metric, m in local.metrics : "${service}-${colour}-${metric}" => merge(m, {
          service      = service
          colour       = colour
          target_group = suffix
        })
      }
    ]
  ])...)
}

resource "aws_sns_topic" "releases" {
  name              = "${local.name}-releases"
  kms_master_key_id = var.sns_kms_key_id

  tags = var.tags
}

# Only the container: the webhook URL is put in by an operator, never by Terraform.
resource "aws_secretsmanager_secret" "slack_webhook" {
  #checkov:skip=CKV2_AWS_57:An incoming-webhook URL is rotated in Slack by a person, not by a rotation Lambda.
  name                    = "${var.project}/${var.environment}/slack-webhook"
  description             = "Slack incoming-webhook URL for Slipway release notifications (${var.environment})"
  kms_key_id              = var.secret_kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = "${each.value.service} (${each.value.colour}): ${each.value.description} above ${each.value.threshold}"
  namespace           = "AWS/ApplicationELB"
  metric_name         = each.value.metric_name
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  # An idle colour sends no metrics; that is not an incident.
  treat_missing_data = "notBreaching"

  dimensions = {
    LoadBalancer = var.alb_arn_suffix
    TargetGroup  = each.value.target_group
  }

  alarm_actions = var.alarm_notifications ? [aws_sns_topic.releases.arn] : []
  ok_actions    = var.alarm_notifications ? [aws_sns_topic.releases.arn] : []

  tags = merge(var.tags, { Service = each.value.service, Colour = each.value.colour })
}
