# One sampling rule for every service of the environment: a small reservoir
# per second plus a fixed share of the rest.
resource "aws_xray_sampling_rule" "this" {
  count = var.enable_xray_sampling_rule ? 1 : 0

  rule_name      = "${local.name}-default"
  priority       = 1000
  reservoir_size = var.xray_reservoir_per_second
  fixed_rate     = var.xray_sampling_rate
  version        = 1
  service_name   = "*"
  service_type   = "*"
  host           = "*"
  http_method    = "*"
  url_path       = "*"
  resource_arn   = "*"

  tags = var.tags
}
