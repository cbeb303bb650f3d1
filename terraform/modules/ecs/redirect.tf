# --- HTTP -> HTTPS redirect ----------------------------------------------------
#
# Real environments serve production on HTTPS; plain HTTP on port 80 only
# redirects there. On local the production listener itself is HTTP on port 80,
# so nothing is added.

locals {
  http_redirect = var.enable_http_redirect && var.prod_listener_protocol == "HTTPS" && var.prod_listener_port != 80
}

resource "aws_lb_listener" "http_redirect" {
  #checkov:skip=CKV_AWS_2:This listener only answers with a 301 to the HTTPS production listener; it forwards nothing.
  #checkov:skip=CKV_AWS_103:No TLS on a redirect-only HTTP listener, see CKV_AWS_2.
  count = local.http_redirect ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  protocol          = "HTTP"
  port              = 80

  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = tostring(var.prod_listener_port)
      host        = "#{host}"
      path        = "/#{path}"
      query       = "#{query}"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}
