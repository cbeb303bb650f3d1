output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "execution_role_arn" {
  description = "ARN of the task execution role shared by all services."
  value       = aws_iam_role.execution.arn
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix of the ALB (the LoadBalancer CloudWatch dimension)."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "DNS name of the ALB."
  value       = aws_lb.this.dns_name
}

output "prod_listener_arn" {
  description = "ARN of the production listener."
  value       = aws_lb_listener.prod.arn
}

output "prod_listener_port" {
  description = "Port of the production listener."
  value       = aws_lb_listener.prod.port
}

output "test_listener_arn" {
  description = "ARN of the test listener."
  value       = aws_lb_listener.test.arn
}

output "test_listener_port" {
  description = "Port of the test listener."
  value       = aws_lb_listener.test.port
}

output "target_group_arn_suffixes" {
  description = "Per service the ARN suffixes of its blue and green target groups (TargetGroup CloudWatch dimension)."
  value = {
    for service, _ in var.services : service => {
      blue  = aws_lb_target_group.this["${service}-blue"].arn_suffix
      green = aws_lb_target_group.this["${service}-green"].arn_suffix
    }
  }
}

output "services" {
  description = "Per service the names and ARNs the release works with."
  value = {
    for service, cfg in var.services : service => {
      task_family            = aws_ecs_task_definition.this[service].family
      container_name         = service
      container_port         = cfg.port
      task_role_arn          = aws_iam_role.task[service].arn
      log_group              = aws_cloudwatch_log_group.service[service].name
      host_header            = local.host_headers[service]
      blue_service_name      = aws_ecs_service.this["${service}-blue"].name
      green_service_name     = aws_ecs_service.this["${service}-green"].name
      blue_target_group_arn  = aws_lb_target_group.this["${service}-blue"].arn
      green_target_group_arn = aws_lb_target_group.this["${service}-green"].arn
      prod_rule_arn          = aws_lb_listener_rule.prod[service].arn
      test_rule_arn          = aws_lb_listener_rule.test[service].arn
      max_count              = local.max_counts[service]
      autoscaling_resource_ids = var.enable_autoscaling ? {
        for colour in local.colours : colour => aws_appautoscaling_target.this["${service}-${colour}"].resource_id
      } : null
    }
  }
}

output "service_discovery_namespace" {
  description = "Cloud Map namespace the services register in: its name, id and ARN (null when service discovery is off)."
  value = var.enable_service_discovery ? {
    name = aws_service_discovery_private_dns_namespace.this[0].name
    id   = aws_service_discovery_private_dns_namespace.this[0].id
    arn  = aws_service_discovery_private_dns_namespace.this[0].arn
  } : null
}

output "http_redirect_listener_arn" {
  description = "ARN of the HTTP :80 listener that redirects to HTTPS (null when there is none, e.g. on local)."
  value       = local.http_redirect ? aws_lb_listener.http_redirect[0].arn : null
}
