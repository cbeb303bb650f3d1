variable "project" {
  description = "Project name used as the prefix of alarms, topic and secret."
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
    error_message = "environment must be 1-8 lower-case letters and digits, starting with a letter."
  }
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the ALB (LoadBalancer dimension), e.g. app/slipway-dev/0123456789abcdef."
  type        = string

  validation {
    condition     = can(regex("^app/", var.alb_arn_suffix))
    error_message = "alb_arn_suffix must be an application load balancer ARN suffix (app/NAME/ID)."
  }
}

variable "target_groups" {
  description = "Per service the ARN suffixes of its blue and green target groups (TargetGroup dimension)."
  type = map(object({
    blue  = string
    green = string
  }))

  validation {
    condition     = alltrue(flatten([for tg in var.target_groups : [can(regex("^targetgroup/", tg.blue)), can(regex("^targetgroup/", tg.green))]]))
    error_message = "Target groups must be given as ARN suffixes (targetgroup/NAME/ID)."
  }
}

variable "period_seconds" {
  description = "Period over which each alarm metric is aggregated."
  type        = number
  default     = 60

  validation {
    condition     = contains([10, 30, 60, 120, 300, 600, 900, 3600], var.period_seconds)
    error_message = "period_seconds must be 10, 30 or a multiple of 60 among 60, 120, 300, 600, 900, 3600."
  }
}

variable "evaluation_periods" {
  description = "Number of consecutive periods that must breach before an alarm fires."
  type        = number
  default     = 2

  validation {
    condition     = var.evaluation_periods >= 1
    error_message = "evaluation_periods must be at least 1."
  }
}

variable "target_5xx_threshold" {
  description = "HTTPCode_Target_5XX_Count (Sum per period) above which the 5xx alarm fires."
  type        = number
  default     = 5

  validation {
    condition     = var.target_5xx_threshold >= 0
    error_message = "target_5xx_threshold must be >= 0."
  }
}

variable "latency_threshold_seconds" {
  description = "TargetResponseTime (Average, seconds) above which the latency alarm fires."
  type        = number
  default     = 1

  validation {
    condition     = var.latency_threshold_seconds > 0
    error_message = "latency_threshold_seconds must be > 0."
  }
}

variable "unhealthy_hosts_threshold" {
  description = "UnHealthyHostCount (Maximum) above which the unhealthy-hosts alarm fires."
  type        = number
  default     = 0

  validation {
    condition     = var.unhealthy_hosts_threshold >= 0
    error_message = "unhealthy_hosts_threshold must be >= 0."
  }
}

variable "alarm_notifications" {
  description = "Send alarm and OK transitions to the release topic."
  type        = bool
  default     = true
}

variable "sns_kms_key_id" {
  description = "KMS key (ID, ARN or alias) encrypting the release topic."
  type        = string
  default     = "alias/aws/sns"
}

variable "secret_kms_key_arn" {
  description = "KMS key ARN for the Slack webhook secret. Null uses the Secrets Manager managed key (aws/secretsmanager)."
  type        = string
  default     = null

  validation {
    condition     = var.secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.secret_kms_key_arn))
    error_message = "secret_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted Slack webhook secret can be restored; 0 deletes at once (throw-away environments)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}

# --- platform alarms, dashboards, X-Ray (alarms_platform.tf, dashboards.tf, xray.tf) ---
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
