locals {
  alb_ingress = merge([
    for port in setunion(var.alb_listener_ports, [var.test_listener_port]) : {
      for cidr in var.alb_ingress_cidr_blocks : "${port}-${cidr}" => { port = port, cidr = cidr }
    }
  ]...)

  service_ports = { for port in var.service_ports : tostring(port) => port }
}

resource "aws_security_group" "alb" {
  #checkov:skip=CKV2_AWS_5:Attached to the ALB in the ecs module; checkov cannot follow the module output.
  name        = "${var.name}-alb"
  description = "Slipway ALB: production and test listeners"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "services" {
  #checkov:skip=CKV2_AWS_5:Attached to the ECS services in the ecs module; checkov cannot follow the module output.
  name        = "${var.name}-services"
  description = "Slipway ECS services: traffic from the ALB only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-services" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_listeners" {
  for_each = local.alb_ingress

  security_group_id = aws_security_group.alb.id
  description       = "Listener port ${each.value.port}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "alb_to_services" {
  for_each = local.service_ports

  security_group_id            = aws_security_group.alb.id
  description                  = "Forward to services on ${each.value}"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.services.id

  tags = var.tags

  # Emulator quirk (moto 5.2): descriptions of rules that reference a security
  # group are not stored, which would otherwise plan a change on every run.
  lifecycle {
    ignore_changes = [description]
  }
}

resource "aws_vpc_security_group_ingress_rule" "services_from_alb" {
  for_each = local.service_ports

  security_group_id            = aws_security_group.services.id
  description                  = "From the ALB on ${each.value}"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.alb.id

  tags = var.tags

  # Emulator quirk (moto 5.2), see alb_to_services.
  lifecycle {
    ignore_changes = [description]
  }
}

# Tasks pull images from ECR, write CloudWatch logs and call AWS APIs over HTTPS.
resource "aws_vpc_security_group_egress_rule" "services_https" {
  security_group_id = aws_security_group.services.id
  description       = "HTTPS to AWS APIs and registries"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = var.tags
}
