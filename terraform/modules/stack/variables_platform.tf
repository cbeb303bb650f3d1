# Inputs of the platform modules wired in platform.tf (data, cdn, messaging,
# backup) and of the network/observability extensions. Every one has a
# default, so a root that sets none of them still validates and gets the
# production-grade setting.

# --- network extension -----------------------------------------------------------

variable "single_nat_gateway" {
  description = "One shared NAT gateway instead of one per availability zone (dev)."
  type        = bool
  default     = false
}

variable "enable_vpc_endpoints" {
  description = "VPC endpoints for ECR (api, dkr), S3, Secrets Manager and CloudWatch Logs."
  type        = bool
  default     = true
}

# --- data tier ------------------------------------------------------------------------

variable "enable_postgres" {
  description = "RDS PostgreSQL (Multi-AZ, encrypted, IAM auth) in the isolated data subnets."
  type        = bool
  default     = true
}

variable "enable_db_proxy" {
  description = "RDS Proxy in front of PostgreSQL."
  type        = bool
  default     = true
}

variable "enable_redis" {
  description = "ElastiCache Redis replication group."
  type        = bool
  default     = true
}

variable "postgres_engine_version" {
  description = "PostgreSQL version (15 or 16, optionally with minor)."
  type        = string
  default     = "16"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_multi_az" {
  description = "Multi-AZ standby for PostgreSQL."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "PostgreSQL automated backup (PITR) retention in days (7-35)."
  type        = number
  default     = 14
}

variable "db_deletion_protection" {
  description = "Protect PostgreSQL against deletion (and take a final snapshot)."
  type        = bool
  default     = true
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "data_apply_immediately" {
  description = "Apply RDS and ElastiCache modifications at once instead of in the maintenance window."
  type        = bool
  default     = false
}

# --- CDN -------------------------------------------------------------------------------

variable "enable_cdn" {
  description = "The static-site CDN (S3 site and log buckets, and the CloudFront distribution unless enable_cloudfront is false)."
  type        = bool
  default     = true
}

variable "enable_cloudfront" {
  description = "CloudFront distribution, OAC, cache and response-headers policies."
  type        = bool
  default     = true
}

variable "enable_waf" {
  description = "WAFv2 web ACL (CLOUDFRONT scope) on the distribution."
  type        = bool
  default     = true
}

variable "cdn_certificate_arn" {
  description = "ACM certificate (us-east-1) of the CDN aliases; null uses the default CloudFront certificate."
  type        = string
  default     = null
}

variable "cdn_aliases" {
  description = "Alternate domain names of the CDN (need cdn_certificate_arn)."
  type        = list(string)
  default     = []
}

variable "cdn_secondary_origin_domain_name" {
  description = "Regional domain name of a replica site bucket used as failover origin; null disables origin failover."
  type        = string
  default     = null
}

variable "cdn_wait_for_deployment" {
  description = "Wait for CloudFront deployments to finish."
  type        = bool
  default     = true
}

variable "bucket_force_destroy" {
  description = "Allow destroying the CDN buckets and the backup vault while they hold data (throw-away environments)."
  type        = bool
  default     = false
}

# --- messaging ---------------------------------------------------------------------------

variable "enable_messaging" {
  description = "SQS queues, the integration EventBridge bus, its rules and the integration Lambdas."
  type        = bool
  default     = true
}

variable "messaging_queues" {
  description = "Queues (with DLQs) by key; see the messaging module."
  type = map(object({
    visibility_timeout_seconds = optional(number, 60)
    message_retention_seconds  = optional(number, 345600)
    dlq_retention_seconds      = optional(number, 1209600)
    max_receive_count          = optional(number, 5)
    receive_wait_time_seconds  = optional(number, 20)
  }))
  default = {
    notifications      = {}
    integration-events = {}
  }
}

variable "event_rules" {
  description = "Rules on the integration bus by key: event pattern (JSON) and a queue or function target."
  type = map(object({
    description   = string
    event_pattern = string
    queue         = optional(string)
    function      = optional(string)
  }))
  default = {
    partner-events = {
      description   = "Third-party events (source partner.*): validated by event_forwarder, then queued for notifications"
      event_pattern = "{\"source\":[{\"prefix\":\"partner.\"}]}"
      function      = "event_forwarder"
    }
    domain-events = {
      description   = "Slipway domain events (source slipway.*) for the integration workers"
      event_pattern = "{\"source\":[{\"prefix\":\"slipway.\"}]}"
      queue         = "integration-events"
    }
  }
}

variable "enable_integration_functions" {
  description = "Deploy the integration Lambdas (and the rules that target them)."
  type        = bool
  default     = true
}

variable "sqs_redrive_allow_policy" {
  description = "Restrict each dead-letter queue to its own source queue (redrive-allow policy)."
  type        = bool
  default     = true
}

variable "integration_functions" {
  description = "Integration Lambdas by key (code in lambdas/KEY/, zip built by tools/package-lambdas)."
  type = map(object({
    description          = string
    handler              = optional(string, "handler.handler")
    memory_size          = optional(number, 128)
    timeout_seconds      = optional(number, 10)
    reserved_concurrency = optional(number, -1)
    target_queue         = optional(string)
    environment          = optional(map(string), {})
  }))
  default = {
    event_forwarder = {
      description  = "Validates third-party EventBridge events and forwards them to the notifications queue"
      target_queue = "notifications"
      environment = {
        ALLOWED_SOURCES = "partner."
      }
    }
  }
}

# --- backup ---------------------------------------------------------------------------------

variable "enable_backup" {
  description = "AWS Backup vault and plan (daily and weekly)."
  type        = bool
  default     = true
}

variable "enable_backup_selection" {
  description = "Back up every resource tagged Backup=true (and create the AWS Backup service role)."
  type        = bool
  default     = true
}

variable "backup_daily_retention_days" {
  description = "Days daily recovery points are kept (>= 7)."
  type        = number
  default     = 35
}

variable "backup_copy_destination_vault_arn" {
  description = "Backup vault ARN in the DR region recovery points are copied to; null copies nothing."
  type        = string
  default     = null
}

variable "s3_replication_destination_bucket_arn" {
  description = "Versioned bucket in the DR region the CDN site bucket is replicated to; null disables S3 replication."
  type        = string
  default     = null
}

# --- observability extension -------------------------------------------------------------------

variable "enable_xray_sampling_rule" {
  description = "X-Ray sampling rule of the environment."
  type        = bool
  default     = true
}

variable "alert_subscriptions" {
  description = "Subscriptions of the critical/warning alert topics by key: severity, protocol, endpoint."
  type = map(object({
    severity = string
    protocol = string
    endpoint = string
  }))
  default = {}
}
