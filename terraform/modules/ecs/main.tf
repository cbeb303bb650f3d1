data "aws_region" "current" {}

locals {
  name    = "${var.project}-${var.environment}"
  colours = toset(["blue", "green"])

  # service x colour, keyed "SERVICE-COLOUR".
  deployments = merge([
    for service, cfg in var.services : {
      for colour in local.colours : "${service}-${colour}" => {
        service = service
        colour  = colour
        cfg     = cfg
      }
    }
  ]...)

  host_headers = { for service, _ in var.services : service => "${service}.${var.environment}.${var.host_domain}" }
  priorities   = { for index, service in sort(keys(var.services)) : service => var.listener_rule_priority_base + index }
}

# --- cluster and logs --------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  #checkov:skip=CKV_AWS_65:container_insights defaults to enabled (validated enabled/enhanced/disabled); checkov cannot resolve the optional() attributes of the stack's typed inputs through which every environment sets it.
  name = local.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "service" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 365 days); only the throw-away local environment keeps less.
  for_each = var.services

  name              = "/${var.project}/${var.environment}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = merge(var.tags, { Service = each.key })
}

# --- IAM ---------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-ecs-execution"
  description        = "ECS agent: pull Slipway images and write their logs"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = var.tags
}

# Scoped to our repositories and log groups instead of the broad
# AmazonECSTaskExecutionRolePolicy managed policy.
data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions.
  }

  statement {
    sid = "EcrPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [for repo in values(var.repositories) : repo.arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for group in aws_cloudwatch_log_group.service : "${group.arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-images-write-logs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# One task role per service, so each service gets only the permissions it needs
# (attached outside this module).
resource "aws_iam_role" "task" {
  for_each = var.services

  name               = "${local.name}-${each.key}-task"
  description        = "Runtime role of the ${each.key} service"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge(var.tags, { Service = each.key })
}

# --- task definitions --------------------------------------------------------

resource "aws_ecs_task_definition" "this" {
  for_each = var.services

  family                   = "${local.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(each.value.cpu)
  memory                   = tostring(each.value.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The root filesystem is read-only; /tmp is a task-local scratch volume.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = each.key
      image                  = "${var.repositories[each.key].url}:${var.initial_image_tag}"
      essential              = true
      cpu                    = each.value.cpu
      memory                 = each.value.memory
      readonlyRootFilesystem = true
      portMappings = [
        {
          containerPort = each.value.port
          hostPort      = each.value.port
          protocol      = "tcp"
        }
      ]
      mountPoints = [
        {
          sourceVolume  = "tmp"
          containerPath = "/tmp"
          readOnly      = false
        }
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
          awslogs-region        = data.aws_region.current.name
          awslogs-stream-prefix = each.key
        }
      }
    }
  ])

  tags = merge(var.tags, { Service = each.key })
}

# --- load balancer -----------------------------------------------------------

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_150:Deletion protection is a variable, on by default; off only on the throw-away local environment.
  #checkov:skip=CKV2_AWS_20:With an HTTPS production listener, HTTP :80 redirects to HTTPS (redirect.tf); only local serves production on plain HTTP 80.
  #checkov:skip=CKV2_AWS_28:A WAF web ACL is not part of this foundation yet; it would be associated outside this module.
  name                       = local.name
  load_balancer_type         = "application"
  internal                   = var.alb_internal
  security_groups            = [var.alb_security_group_id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.alb_deletion_protection

  dynamic "access_logs" {
    for_each = var.alb_access_logs_bucket == null ? [] : [var.alb_access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = local.name
      enabled = true
    }
  }

  tags = var.tags
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; targets are private tasks reachable only from the ALB security group.
  for_each = local.deployments

  name                 = "${var.environment}-${each.key}"
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = each.value.cfg.port
  vpc_id               = var.vpc_id
  deregistration_delay = var.deregistration_delay_seconds

  health_check {
    enabled             = true
    protocol            = "HTTP"
    path                = each.value.cfg.health_path
    port                = "traffic-port"
    matcher             = "200-399"
    interval            = var.health_check_interval_seconds
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Service = each.value.service, Colour = each.value.colour })
}

resource "aws_lb_listener" "prod" {
  #checkov:skip=CKV_AWS_2:Protocol is a variable: HTTPS (with a TLS 1.2+/1.3 policy) in real environments, HTTP only on local.
  #checkov:skip=CKV_AWS_103:See CKV_AWS_2; ssl_policy defaults to ELBSecurityPolicy-TLS13-1-2-2021-06.
  load_balancer_arn = aws_lb.this.arn
  protocol          = var.prod_listener_protocol
  port              = var.prod_listener_port
  certificate_arn   = var.prod_listener_protocol == "HTTPS" ? var.certificate_arn : null
  ssl_policy        = var.prod_listener_protocol == "HTTPS" ? var.ssl_policy : null

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "no such service"
      status_code  = "404"
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.prod_listener_protocol == "HTTP" || var.certificate_arn != null
      error_message = "certificate_arn is required when prod_listener_protocol is HTTPS."
    }
  }
}

# The test listener reaches the idle colour before it takes production traffic;
# it is plain HTTP by design and restricted by the ALB security group.
resource "aws_lb_listener" "test" {
  #checkov:skip=CKV_AWS_2:The test listener is plain HTTP by contract (docs/contract.md) and open only to alb_ingress_cidr_blocks.
  #checkov:skip=CKV_AWS_103:No TLS on the test listener, see CKV_AWS_2.
  load_balancer_arn = aws_lb.this.arn
  protocol          = "HTTP"
  port              = var.test_listener_port

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "no such service"
      status_code  = "404"
    }
  }

  tags = var.tags
}

# Initial routing: production to blue, test to green. From then on the release
# owns the weights, so Terraform ignores the action.
resource "aws_lb_listener_rule" "prod" {
  for_each = var.services

  listener_arn = aws_lb_listener.prod.arn
  priority     = local.priorities[each.key]

  condition {
    host_header {
      values = [local.host_headers[each.key]]
    }
  }

  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this["${each.key}-blue"].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.this["${each.key}-green"].arn
        weight = 0
      }
    }
  }

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    ignore_changes = [action]
  }
}

resource "aws_lb_listener_rule" "test" {
  for_each = var.services

  listener_arn = aws_lb_listener.test.arn
  priority     = local.priorities[each.key]

  condition {
    host_header {
      values = [local.host_headers[each.key]]
    }
  }

  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.this["${each.key}-green"].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.this["${each.key}-blue"].arn
        weight = 0
      }
    }
  }

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    ignore_changes = [action]
  }
}

# --- services ----------------------------------------------------------------

resource "aws_ecs_service" "this" {
  for_each = local.deployments

  name            = each.key
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.this[each.value.service].arn
  launch_type     = "FARGATE"
  # Blue starts serving; green stays at zero until a release scales it up.
  desired_count          = each.value.colour == "blue" ? each.value.cfg.desired_count : 0
  wait_for_steady_state  = false
  propagate_tags         = "SERVICE"
  enable_execute_command = false

  deployment_controller {
    type = "ECS"
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.service_security_group_id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.this[each.key].arn
    container_name   = each.value.service
    container_port   = each.value.cfg.port
  }

  # Both colours register in the service's Cloud Map service (discovery.tf).
  dynamic "service_registries" {
    for_each = var.enable_service_discovery ? [aws_service_discovery_service.this[each.value.service].arn] : []
    content {
      registry_arn = service_registries.value
    }
  }

  tags = merge(var.tags, { Service = each.value.service, Colour = each.value.colour })

  # The release registers new task definitions and scales the colours.
  # availability_zone_rebalancing: emulator quirk (moto 5.2 never returns the
  # field, so the provider default "DISABLED" would be planned on every run);
  # AWS applies its own default at creation either way.
  lifecycle {
    ignore_changes = [task_definition, desired_count, availability_zone_rebalancing]
  }

  # A target group must belong to a load balancer before a service can use it.
  depends_on = [aws_lb_listener_rule.prod, aws_lb_listener_rule.test]
}
