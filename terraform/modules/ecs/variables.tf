variable "project" {
  description = "Project name used as the prefix of cluster, ALB, families and log groups."
  type        = string
  default     = "slipway"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.project))
    error_message = "project must be 2-12 lower-case letters and digits, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (local, dev, staging, prod, ...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,7}$", var.environment))
    error_message = "environment must be 1-8 lower-case letters and digits, starting with a letter (it is part of 32-character target-group names)."
  }
}

variable "services" {
  description = "The service catalogue: per service its container port, health-check path, Fargate cpu/memory, steady desired count and auto-scaling maximum (max_count, null: 4 x desired_count)."
  type = map(object({
    port          = number
    health_path   = string
    cpu           = number
    memory        = number
    desired_count = number
    max_count     = optional(number)
  }))

  validation {
    condition     = length(var.services) > 0 && alltrue([for name, _ in var.services : can(regex("^[a-z][a-z0-9-]{0,15}$", name))])
    error_message = "services must be non-empty; service names are 1-16 lower-case letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue([for svc in var.services : svc.port >= 1 && svc.port <= 65535 && startswith(svc.health_path, "/")])
    error_message = "Every service needs a port in 1-65535 and a health_path starting with /."
  }

  validation {
    condition     = alltrue([for svc in var.services : contains([256, 512, 1024, 2048, 4096, 8192, 16384], svc.cpu) && svc.memory >= 512])
    error_message = "Every service needs a Fargate cpu value (256, 512, 1024, 2048, 4096, 8192, 16384) and at least 512 MiB of memory."
  }

  validation {
    condition     = alltrue([for svc in var.services : svc.desired_count >= 0 && floor(svc.desired_count) == svc.desired_count])
    error_message = "desired_count must be a whole number >= 0."
  }

  validation {
    condition     = alltrue([for svc in var.services : svc.max_count == null || try(svc.max_count >= svc.desired_count && floor(svc.max_count) == svc.max_count, false)])
    error_message = "max_count (the auto-scaling maximum) must be a whole number >= desired_count."
  }
}

variable "repositories" {
  description = "ECR repository per service (keys must match services): its url and arn."
  type = map(object({
    url = string
    arn = string
  }))
}

variable "initial_image_tag" {
  description = "Image tag of the first task definition. Later revisions belong to the release, not to Terraform."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.initial_image_tag))
    error_message = "initial_image_tag must be a valid image tag."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the Fargate tasks."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "vpc_id" {
  description = "ID of the VPC for the target groups."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "public_subnet_ids" {
  description = "Subnets of the ALB (at least two availability zones)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "The ALB needs at least two subnets."
  }
}

variable "private_subnet_ids" {
  description = "Subnets the ECS tasks run in."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1
    error_message = "At least one private subnet is required."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the ALB."
  type        = string
}

variable "service_security_group_id" {
  description = "Security group of the ECS services."
  type        = string
}

variable "alb_internal" {
  description = "Make the ALB internal instead of internet-facing."
  type        = bool
  default     = false
}

variable "alb_deletion_protection" {
  description = "Protect the ALB against deletion."
  type        = bool
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "S3 bucket for ALB access logs; null disables access logs."
  type        = string
  default     = null
}

variable "container_insights" {
  description = "CloudWatch Container Insights setting of the cluster."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "container_insights must be enabled, enhanced or disabled."
  }
}

variable "log_retention_days" {
  description = "Retention of the service log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the service log groups. Null keeps CloudWatch Logs' default server-side encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "prod_listener_protocol" {
  description = "Protocol of the production listener (HTTPS in real environments, HTTP on local)."
  type        = string
  default     = "HTTPS"

  validation {
    condition     = contains(["HTTP", "HTTPS"], var.prod_listener_protocol)
    error_message = "prod_listener_protocol must be HTTP or HTTPS."
  }
}

variable "prod_listener_port" {
  description = "Port of the production listener."
  type        = number
  default     = 443

  validation {
    condition     = var.prod_listener_port >= 1 && var.prod_listener_port <= 65535
    error_message = "prod_listener_port must be a TCP port (1-65535)."
  }
}

variable "certificate_arn" {
  description = "ACM certificate ARN of the production listener; required when prod_listener_protocol is HTTPS."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN or null."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS production listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "test_listener_port" {
  description = "Port of the HTTP test listener that reaches the idle colour."
  type        = number
  default     = 9000

  validation {
    condition     = var.test_listener_port >= 1 && var.test_listener_port <= 65535
    error_message = "test_listener_port must be a TCP port (1-65535)."
  }
}

variable "host_domain" {
  description = "Domain of the service host headers: SERVICE.ENVIRONMENT.DOMAIN."
  type        = string
  default     = "slipway.internal"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.host_domain))
    error_message = "host_domain must be a lower-case DNS domain such as slipway.internal."
  }
}

variable "deregistration_delay_seconds" {
  description = "Target-group deregistration delay; short, so colour switches finish quickly."
  type        = number
  default     = 15

  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds must be between 0 and 3600."
  }
}

variable "health_check_interval_seconds" {
  description = "Interval of the target-group health checks."
  type        = number
  default     = 10

  validation {
    condition     = var.health_check_interval_seconds >= 5 && var.health_check_interval_seconds <= 300
    error_message = "health_check_interval_seconds must be between 5 and 300."
  }
}

variable "listener_rule_priority_base" {
  description = "Listener-rule priorities are BASE + the service's position in the sorted service names."
  type        = number
  default     = 100

  validation {
    condition     = var.listener_rule_priority_base >= 1 && var.listener_rule_priority_base <= 49000
    error_message = "listener_rule_priority_base must be between 1 and 49000."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}

# --- service discovery, HTTP redirect, auto scaling (discovery.tf, redirect.tf, autoscaling.tf) ---

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
