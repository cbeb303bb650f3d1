# --- Application Auto Scaling ------------------------------------------------
#
# Per service and colour a scalable target on the ECS service's desired count
# and three target-tracking policies: average CPU, average memory and ALB
# requests per target (on that colour's target group).
#
# The release owns capacity: the idle colour stays at 0 tasks, the live colour
# runs at its desired count. Terraform therefore only sets the initial bounds
# (blue is live at creation: desired_count..max_count; green idle: 0..0) and
# ignores min/max afterwards. When a colour goes live the release sets its
# bounds to desired_count..max_count and the old colour's to 0..0.

locals {
  # max_count from the service catalogue, else 4 x desired_count.
  max_counts = {
    for service, cfg in var.services : service => coalesce(cfg.max_count, cfg.desired_count * 4)
  }

  autoscaling_resource_ids = {
    for key, deployment in local.deployments : key => "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[key].name}"
  }

  autoscaling_metrics = {
    cpu      = { metric = "ECSServiceAverageCPUUtilization", target = var.autoscaling_cpu_target }
    memory   = { metric = "ECSServiceAverageMemoryUtilization", target = var.autoscaling_memory_target }
    requests = { metric = "ALBRequestCountPerTarget", target = var.autoscaling_requests_per_target }
  }

  # deployment x metric, keyed "SERVICE-COLOUR-METRIC".
  autoscaling_policies = var.enable_autoscaling ? merge([
    for key, deployment in local.deployments : {
      for name, metric in local.autoscaling_metrics : "${key}-${name}" => {
        deployment = key
        name       = name
        metric     = metric.metric
        target     = metric.target
      }
    }
  ]...) : {}
}

resource "aws_appautoscaling_target" "this" {
  for_each = var.enable_autoscaling ? local.deployments : {}

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = local.autoscaling_resource_ids[each.key]
  min_capacity       = each.value.colour == "blue" ? each.value.cfg.desired_count : 0
  max_capacity       = each.value.colour == "blue" ? local.max_counts[each.value.service] : 0

  tags = merge(var.tags, { Service = each.value.service, Colour = each.value.colour })

  # The release moves the bounds between the colours (see above).
  lifecycle {
    ignore_changes = [min_capacity, max_capacity]
  }
}

resource "aws_appautoscaling_policy" "this" {
  for_each = local.autoscaling_policies

  name               = "${local.name}-${each.key}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.value.deployment].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[each.value.deployment].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[each.value.deployment].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_in_cooldown  = var.autoscaling_scale_in_cooldown_seconds
    scale_out_cooldown = var.autoscaling_scale_out_cooldown_seconds

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
      resource_label         = each.value.name == "requests" ? "${aws_lb.this.arn_suffix}/${aws_lb_target_group.this[each.value.deployment].arn_suffix}" : null
    }
  }
}
