# Inputs of discovery.tf, redirect.tf and autoscaling.tf.

variable "enable_service_discovery" {
  description = "Register every ECS service (both colours) in a Cloud Map private DNS namespace (SERVICE.NAMESPACE, A records)."
  type        = bool
  default     = true
}

variable "service_discovery_namespace" {
  description = "Name of the Cloud Map private DNS namespace; null means ENVIRONMENT.PROJECT.local (e.g. dev.slipway.local)."
  type        = string
  default     = null

  validation {
    condition     = var.service_discovery_namespace == null || can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.service_discovery_namespace))
    error_message = "service_discovery_namespace must be a lower-case DNS domain such as dev.slipway.local, or null."
  }
}

variable "service_discovery_dns_ttl" {
  description = "TTL in seconds of the service-discovery A records; short, because tasks come and go with every release."
  type        = number
  default     = 10

  validation {
    condition     = var.service_discovery_dns_ttl >= 0 && var.service_discovery_dns_ttl <= 86400 && floor(var.service_discovery_dns_ttl) == var.service_discovery_dns_ttl
    error_message = "service_discovery_dns_ttl must be a whole number of seconds between 0 and 86400."
  }
}

variable "enable_http_redirect" {
  description = "With an HTTPS production listener, add an HTTP :80 listener that redirects every request to HTTPS (HTTP 301). Nothing is added for an HTTP production listener."
  type        = bool
  default     = true
}

variable "enable_autoscaling" {
  description = "Application Auto Scaling (target tracking on CPU, memory and ALB requests per target) for both colours of every service. The release moves the min/max capacity between the colours."
  type        = bool
  default     = true
}

variable "autoscaling_cpu_target" {
  description = "Target average CPU utilisation of a service, in percent."
  type        = number
  default     = 60

  validation {
    condition     = var.autoscaling_cpu_target >= 1 && var.autoscaling_cpu_target <= 100
    error_message = "autoscaling_cpu_target must be a percentage between 1 and 100."
  }
}

variable "autoscaling_memory_target" {
  description = "Target average memory utilisation of a service, in percent."
  type        = number
  default     = 75

  validation {
    condition     = var.autoscaling_memory_target >= 1 && var.autoscaling_memory_target <= 100
    error_message = "autoscaling_memory_target must be a percentage between 1 and 100."
  }
}

variable "autoscaling_requests_per_target" {
  description = "Target ALB requests per task and minute (ALBRequestCountPerTarget)."
  type        = number
  default     = 1000

  validation {
    condition     = var.autoscaling_requests_per_target >= 1 && var.autoscaling_requests_per_target <= 1000000
    error_message = "autoscaling_requests_per_target must be between 1 and 1000000."
  }
}

variable "autoscaling_scale_in_cooldown_seconds" {
  description = "Cooldown after a scale-in of the target-tracking policies, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.autoscaling_scale_in_cooldown_seconds >= 0 && var.autoscaling_scale_in_cooldown_seconds <= 3600
    error_message = "autoscaling_scale_in_cooldown_seconds must be between 0 and 3600."
  }
}

variable "autoscaling_scale_out_cooldown_seconds" {
  description = "Cooldown after a scale-out of the target-tracking policies, in seconds."
  type        = number
  default     = 60

  validation {
    condition     = var.autoscaling_scale_out_cooldown_seconds >= 0 && var.autoscaling_scale_out_cooldown_seconds <= 3600
    error_message = "autoscaling_scale_out_cooldown_seconds must be between 0 and 3600."
  }
}
