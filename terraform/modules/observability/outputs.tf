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
