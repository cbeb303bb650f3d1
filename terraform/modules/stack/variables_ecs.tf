# Service discovery, HTTP redirect and auto scaling of the ecs module
# (validated there).

variable "enable_http_redirect" {
  description = "With an HTTPS production listener, redirect HTTP :80 to HTTPS (the ALB security group then also opens port 80)."
  type        = bool
  default     = true
}

variable "enable_service_discovery" {
  description = "Cloud Map private DNS namespace with one discovery service per app service; both colours register."
  type        = bool
  default     = true
}

variable "service_discovery_namespace" {
  description = "Name of the Cloud Map namespace; null means ENVIRONMENT.PROJECT.local."
  type        = string
  default     = null
}

variable "enable_autoscaling" {
  description = "Application Auto Scaling of both colours of every service (the release moves min/max between the colours)."
  type        = bool
  default     = true
}

variable "autoscaling_cpu_target" {
  description = "Target average CPU utilisation, percent."
  type        = number
  default     = 60
}

variable "autoscaling_memory_target" {
  description = "Target average memory utilisation, percent."
  type        = number
  default     = 75
}

variable "autoscaling_requests_per_target" {
  description = "Target ALB requests per task and minute."
  type        = number
  default     = 1000
}
