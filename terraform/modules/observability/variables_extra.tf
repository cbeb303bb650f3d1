# Inputs of the platform extension (dashboards.tf, alarms_platform.tf, xray.tf).
# All default to "nothing to watch", so callers that pass none of them get the
# release alarms of main.tf only, plus the two alert topics.

variable "ecs_cluster_name" {
  description = "Name of the ECS cluster (ClusterName dimension); null skips the ECS alarms and widgets."
  type        = string
  default     = null
}

variable "ecs_services" {
  description = "Per service the names of its blue and green ECS services (ServiceName dimension)."
  type = map(object({
    blue  = string
    green = string
  }))
  default = {}
}

variable "rds_instance_id" {
  description = "DBInstanceIdentifier of the PostgreSQL instance; null skips the RDS alarms and widgets."
  type        = string
  default     = null
}

variable "queues" {
  description = "Work queues by key: queue_name (age-of-oldest-message alarm) and dlq_name (depth alarm)."
  type = map(object({
    queue_name = string
    dlq_name   = string
  }))
  default = {}
}

variable "extra_dead_letter_queues" {
  description = "More dead-letter queues (Lambda, EventBridge) by key => queue name; any message in them raises a critical alarm."
  type        = map(string)
  default     = {}
}

variable "enable_platform_alarms" {
  description = "Create the ECS, RDS and SQS alarms (routed to the critical and warning topics)."
  type        = bool
  default     = true
}

variable "enable_dashboards" {
  description = "Create one CloudWatch dashboard per service and one for the platform."
  type        = bool
  default     = true
}

variable "enable_xray_sampling_rule" {
  description = "Create the X-Ray sampling rule of the environment."
  type        = bool
  default     = true
}

variable "xray_sampling_rate" {
  description = "Share of requests traced beyond the reservoir (0-1)."
  type        = number
  default     = 0.05

  validation {
    condition     = var.xray_sampling_rate >= 0 && var.xray_sampling_rate <= 1
    error_message = "xray_sampling_rate must be between 0 and 1."
  }
}

variable "xray_reservoir_per_second" {
  description = "Requests per second always traced before the sampling rate applies."
  type        = number
  default     = 1

  validation {
    condition     = var.xray_reservoir_per_second >= 0 && floor(var.xray_reservoir_per_second) == var.xray_reservoir_per_second
    error_message = "xray_reservoir_per_second must be a whole number >= 0."
  }
}

variable "ecs_cpu_threshold_percent" {
  description = "ECS service CPUUtilization (Average) above which the warning alarm fires."
  type        = number
  default     = 80

  validation {
    condition     = var.ecs_cpu_threshold_percent > 0 && var.ecs_cpu_threshold_percent <= 100
    error_message = "ecs_cpu_threshold_percent must be in (0, 100]."
  }
}

variable "ecs_memory_threshold_percent" {
  description = "ECS service MemoryUtilization (Average) above which the warning alarm fires."
  type        = number
  default     = 85

  validation {
    condition     = var.ecs_memory_threshold_percent > 0 && var.ecs_memory_threshold_percent <= 100
    error_message = "ecs_memory_threshold_percent must be in (0, 100]."
  }
}

variable "rds_cpu_threshold_percent" {
  description = "RDS CPUUtilization (Average) above which the warning alarm fires."
  type        = number
  default     = 80

  validation {
    condition     = var.rds_cpu_threshold_percent > 0 && var.rds_cpu_threshold_percent <= 100
    error_message = "rds_cpu_threshold_percent must be in (0, 100]."
  }
}

variable "rds_free_storage_threshold_bytes" {
  description = "RDS FreeStorageSpace (Minimum) below which the critical alarm fires."
  type        = number
  default     = 5368709120

  validation {
    condition     = var.rds_free_storage_threshold_bytes > 0
    error_message = "rds_free_storage_threshold_bytes must be > 0."
  }
}

variable "rds_connections_threshold" {
  description = "RDS DatabaseConnections (Maximum) above which the warning alarm fires."
  type        = number
  default     = 200

  validation {
    condition     = var.rds_connections_threshold > 0
    error_message = "rds_connections_threshold must be > 0."
  }
}

variable "queue_age_threshold_seconds" {
  description = "SQS ApproximateAgeOfOldestMessage (Maximum) above which the warning alarm fires."
  type        = number
  default     = 300

  validation {
    condition     = var.queue_age_threshold_seconds >= 60
    error_message = "queue_age_threshold_seconds must be at least 60."
  }
}

variable "alert_subscriptions" {
  description = "Subscriptions of the alert topics by key: severity (critical or warning), protocol (email, https, sqs, lambda) and endpoint."
  type = map(object({
    severity = string
    protocol = string
    endpoint = string
  }))
  default = {}

  validation {
    condition     = alltrue([for s in var.alert_subscriptions : contains(["critical", "warning"], s.severity) && contains(["email", "https", "sqs", "lambda"], s.protocol)])
    error_message = "severity must be critical or warning; protocol email, https, sqs or lambda."
  }
}
