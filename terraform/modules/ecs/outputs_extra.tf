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
