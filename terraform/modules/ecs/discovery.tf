# --- service discovery (Cloud Map) --------------------------------------------
#
# One private DNS namespace per environment (ENV.slipway.local by default) and
# one discovery service per app service: SERVICE.NAMESPACE resolves to the
# IPs of its running tasks (A records, multivalue answers). ECS registers and
# deregisters the tasks itself (custom health check: ECS reports task health).
#
# Both colours register into the same discovery service. The idle colour runs
# no tasks (desired count 0), so normally only the live colour answers; during
# a release, while both colours run, the name resolves to tasks of both.

locals {
  discovery_namespace = coalesce(var.service_discovery_namespace, "${var.environment}.${var.project}.local")
}

resource "aws_service_discovery_private_dns_namespace" "this" {
  count = var.enable_service_discovery ? 1 : 0

  name        = local.discovery_namespace
  description = "Service discovery of the ${local.name} ECS services"
  vpc         = var.vpc_id

  tags = var.tags
}

resource "aws_service_discovery_service" "this" {
  for_each = var.enable_service_discovery ? var.services : {}

  name        = each.key
  description = "Tasks of the ${each.key} service (both colours)"

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this[0].id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = var.service_discovery_dns_ttl
    }
  }

  # ECS reports the health of the instances it registers.
  health_check_custom_config {
    failure_threshold = 1
  }

  tags = merge(var.tags, { Service = each.key })
}
