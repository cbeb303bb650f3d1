# One dashboard per service (both colours side by side) and one for the platform.

locals {
  region = data.aws_region.current.name

  service_dashboards = var.enable_dashboards ? var.target_groups : {}

  ecs_widgets = {
    for service, _ in var.target_groups : service => var.ecs_cluster_name != null && contains(keys(var.ecs_services), service) ? [
      for metric in ["CPUUtilization", "MemoryUtilization"] : {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "ECS ${metric} (%)"
          region = local.region
          stat   = "Average"
          period = 60
          metrics = [
            for colour in ["blue", "green"] : ["AWS/ECS", metric, "ClusterName", var.ecs_cluster_name, "ServiceName", var.ecs_services[service][colour], { label = colour }]
          ]
        }
      }
    ] : []
  }

  alb_widgets = {
    for service, tg in var.target_groups : service => [
      for w in [
        { title = "Requests", metric = "RequestCount", stat = "Sum" },
        { title = "Target 5xx", metric = "HTTPCode_Target_5XX_Count", stat = "Sum" },
        { title = "Response time p95 (s)", metric = "TargetResponseTime", stat = "p95" },
        { title = "Healthy targets", metric = "HealthyHostCount", stat = "Minimum" },
        ] : {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = w.title
          region = local.region
          stat   = w.stat
          period = 60
          metrics = [
            for colour, suffix in { blue = tg.blue, green = tg.green } : ["AWS/ApplicationELB", w.metric, "LoadBalancer", var.alb_arn_suffix, "TargetGroup", suffix, { label = colour }]
          ]
        }
      }
    ]
  }

  platform_widgets = concat(
    [
      for w in [
        { title = "ALB requests", metric = "RequestCount", stat = "Sum" },
        { title = "ALB 5xx (load balancer)", metric = "HTTPCode_ELB_5XX_Count", stat = "Sum" },
        { title = "ALB response time p95 (s)", metric = "TargetResponseTime", stat = "p95" },
        ] : {
        type   = "metric"
        width  = 8
        height = 6
        properties = {
          title   = w.title
          region  = local.region
          stat    = w.stat
          period  = 60
          metrics = [["AWS/ApplicationELB", w.metric, "LoadBalancer", var.alb_arn_suffix]]
        }
      }
    ],
    var.rds_instance_id == null ? [] : [
      for w in [
        { title = "PostgreSQL CPU (%)", metric = "CPUUtilization", stat = "Average" },
        { title = "PostgreSQL connections", metric = "DatabaseConnections", stat = "Maximum" },
        { title = "PostgreSQL free storage (bytes)", metric = "FreeStorageSpace", stat = "Minimum" },
        ] : {
        type   = "metric"
        width  = 8
        height = 6
        properties = {
          title   = w.title
          region  = local.region
          stat    = w.stat
          period  = 300
          metrics = [["AWS/RDS", w.metric, "DBInstanceIdentifier", var.rds_instance_id]]
        }
      }
    ],
    length(var.queues) == 0 ? [] : [
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title   = "Age of oldest message (s)"
          region  = local.region
          stat    = "Maximum"
          period  = 300
          metrics = [for key, q in var.queues : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q.queue_name, { label = key }]]
        }
      },
    ],
    length(local.dead_letter_queues) == 0 ? [] : [
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title   = "Dead-letter queue depth"
          region  = local.region
          stat    = "Maximum"
          period  = 300
          metrics = [for key, name in local.dead_letter_queues : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", name, { label = key }]]
        }
      },
    ],
  )
}

data "aws_region" "current" {}

resource "aws_cloudwatch_dashboard" "service" {
  for_each = local.service_dashboards

  dashboard_name = "${local.name}-svc-${each.key}"
  dashboard_body = jsonencode({
    widgets = concat(local.ecs_widgets[each.key], local.alb_widgets[each.key])
  })
}

resource "aws_cloudwatch_dashboard" "platform" {
  count = var.enable_dashboards ? 1 : 0

  dashboard_name = "${local.name}-platform"
  dashboard_body = jsonencode({
    widgets = local.platform_widgets
  })
}
