output "release_topic_arn" {
  description = "ARN of the release SNS topic."
  value       = aws_sns_topic.releases.arn
}

output "slack_webhook_secret_arn" {
  description = "ARN of the Slack webhook secret (its value is set by an operator)."
  value       = aws_secretsmanager_secret.slack_webhook.arn
}

output "alarm_names" {
  description = "Per service the alarm names of each colour: {blue = [...], green = [...]}."
  value = {
    for service, _ in var.target_groups : service => {
      for colour in ["blue", "green"] : colour => [
        for metric in sort(keys(local.metrics)) : aws_cloudwatch_metric_alarm.this["${service}-${colour}-${metric}"].alarm_name
      ]
    }
  }
}

output "alert_topic_arns" {
  description = "ARNs of the alert topics by severity (critical, warning)."
  value       = { for severity, topic in aws_sns_topic.alerts : severity => topic.arn }
}

output "platform_alarm_names" {
  description = "Names of the ECS, RDS and SQS alarms."
  value       = sort([for alarm in aws_cloudwatch_metric_alarm.platform : alarm.alarm_name])
}

output "dashboard_names" {
  description = "Names of the CloudWatch dashboards (per service and platform)."
  value       = concat([for d in aws_cloudwatch_dashboard.service : d.dashboard_name], aws_cloudwatch_dashboard.platform[*].dashboard_name)
}

output "xray_sampling_rule_name" {
  description = "Name of the X-Ray sampling rule, or null."
  value       = one(aws_xray_sampling_rule.this[*].rule_name)
}
