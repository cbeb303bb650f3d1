variable "name" {
  description = "Name prefix of every data-tier resource, e.g. slipway-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 characters of lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "ID of the VPC of the data tier."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "subnet_ids" {
  description = "Isolated data subnets (no internet route), at least two availability zones, for RDS, the RDS Proxy and ElastiCache."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "subnet_ids must list at least two subnet IDs (subnet-...) in different availability zones."
  }
}

variable "client_security_group_id" {
  description = "Security group of the services; the only source allowed to reach PostgreSQL (5432) and Redis (6379)."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.client_security_group_id))
    error_message = "client_security_group_id must look like sg-0123abcd."
  }
}

variable "manage_client_egress" {
  description = "Add egress rules on the client security group towards the data tier (5432 to the proxy and database, 6379 to Redis)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for RDS storage, Performance Insights and ElastiCache. Null falls back to the AWS-managed keys (aws/rds, aws/secretsmanager, ElastiCache default): still encrypted, but without a key policy you control."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the module's CloudWatch log groups (its key policy must allow logs.REGION.amazonaws.com). Null keeps CloudWatch Logs' default encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "secret_kms_key_arn" {
  description = "KMS key ARN for the RDS-managed master-user secret. Null uses kms_key_arn (or aws/secretsmanager when that is null too)."
  type        = string
  default     = null

  validation {
    condition     = var.secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.secret_kms_key_arn))
    error_message = "secret_kms_key_arn must be a KMS key ARN or null."
  }
}

# --- PostgreSQL ---------------------------------------------------------------

variable "enable_postgres" {
  description = "Create the RDS PostgreSQL instance (and its parameter group, subnet group, monitoring role)."
  type        = bool
  default     = true
}

variable "postgres_engine_version" {
  description = "PostgreSQL engine version: a major (15, 16) or major.minor (16.4). With a major only, minor upgrades are applied automatically."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^1[56](\\.[0-9]+)?$", var.postgres_engine_version))
    error_message = "postgres_engine_version must be PostgreSQL 15 or 16 (e.g. 16 or 16.4)."
  }
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_class))
    error_message = "instance_class must look like db.t4g.medium."
  }
}

variable "allocated_storage_gb" {
  description = "Initial gp3 storage in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage_gb >= 20 && var.allocated_storage_gb <= 65536
    error_message = "allocated_storage_gb must be between 20 and 65536."
  }
}

variable "max_allocated_storage_gb" {
  description = "Upper limit of storage autoscaling in GiB (0 disables autoscaling)."
  type        = number
  default     = 200

  validation {
    condition     = var.max_allocated_storage_gb == 0 || (var.max_allocated_storage_gb >= 20 && var.max_allocated_storage_gb <= 65536)
    error_message = "max_allocated_storage_gb must be 0 or between 20 and 65536."
  }
}

variable "multi_az" {
  description = "Run a synchronous standby in a second availability zone."
  type        = bool
  default     = true
}

variable "database_name" {
  description = "Name of the initial database."
  type        = string
  default     = "slipway"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must start with a letter and hold only lower-case letters, digits and underscores (max 63)."
  }
}

variable "master_username" {
  description = "Master user name. Its password is generated and kept by RDS in Secrets Manager (manage_master_user_password); it is never in Terraform state."
  type        = string
  default     = "slipway_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,15}$", var.master_username)) && !contains(["admin", "postgres", "rdsadmin"], var.master_username)
    error_message = "master_username must be 1-16 lower-case letters, digits and underscores, start with a letter and not be a reserved name."
  }
}

variable "backup_retention_days" {
  description = "Automated backup (point-in-time recovery) retention in days."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "backup_retention_days must be a whole number between 7 and 35: point-in-time recovery needs at least a week."
  }
}

variable "backup_window" {
  description = "Daily backup window (UTC), hh24:mi-hh24:mi; must not overlap maintenance_window."
  type        = string
  default     = "02:00-03:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "backup_window must look like 02:00-03:00."
  }
}

variable "maintenance_window" {
  description = "Weekly maintenance window (UTC), ddd:hh24:mi-ddd:hh24:mi."
  type        = string
  default     = "sun:04:00-sun:05:00"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like sun:04:00-sun:05:00."
  }
}

variable "deletion_protection" {
  description = "Protect the database against deletion; destroy also takes a final snapshot when true."
  type        = bool
  default     = true
}

variable "apply_immediately" {
  description = "Apply modifications at once instead of in the next maintenance window (true on throw-away environments)."
  type        = bool
  default     = false
}

variable "performance_insights_retention_days" {
  description = "Performance Insights retention: 7 (free tier) or a multiple of 31 up to 731."
  type        = number
  default     = 7

  validation {
    condition     = var.performance_insights_retention_days == 7 || var.performance_insights_retention_days == 731 || (var.performance_insights_retention_days % 31 == 0 && var.performance_insights_retention_days >= 31 && var.performance_insights_retention_days <= 713)
    error_message = "performance_insights_retention_days must be 7, a multiple of 31 between 31 and 713, or 731."
  }
}

variable "monitoring_interval_seconds" {
  description = "Enhanced Monitoring interval in seconds."
  type        = number
  default     = 60

  validation {
    condition     = contains([1, 5, 10, 15, 30, 60], var.monitoring_interval_seconds)
    error_message = "monitoring_interval_seconds must be 1, 5, 10, 15, 30 or 60 (0 would switch Enhanced Monitoring off)."
  }
}

variable "log_min_duration_statement_ms" {
  description = "Log every statement running longer than this many milliseconds."
  type        = number
  default     = 500

  validation {
    condition     = var.log_min_duration_statement_ms >= 0
    error_message = "log_min_duration_statement_ms must be >= 0."
  }
}

variable "extra_db_parameters" {
  description = "More PostgreSQL parameters for the parameter group, by name: value and apply method (immediate or pending-reboot). Overrides the tuned defaults of the same name."
  type = map(object({
    value        = string
    apply_method = optional(string, "immediate")
  }))
  default = {}

  validation {
    condition     = alltrue([for p in var.extra_db_parameters : contains(["immediate", "pending-reboot"], p.apply_method)])
    error_message = "apply_method must be immediate or pending-reboot."
  }
}

variable "log_retention_days" {
  description = "Retention of the PostgreSQL, upgrade and Redis slow-log log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

# --- RDS Proxy ----------------------------------------------------------------

variable "enable_proxy" {
  description = "Put an RDS Proxy (TLS and IAM authentication required) in front of the database."
  type        = bool
  default     = true
}

variable "proxy_max_connections_percent" {
  description = "Share of the database's max_connections the proxy may use."
  type        = number
  default     = 90

  validation {
    condition     = var.proxy_max_connections_percent >= 1 && var.proxy_max_connections_percent <= 100
    error_message = "proxy_max_connections_percent must be between 1 and 100."
  }
}

variable "proxy_idle_client_timeout_seconds" {
  description = "Seconds a client connection may stay idle before the proxy closes it."
  type        = number
  default     = 1800

  validation {
    condition     = var.proxy_idle_client_timeout_seconds >= 1 && var.proxy_idle_client_timeout_seconds <= 28800
    error_message = "proxy_idle_client_timeout_seconds must be between 1 and 28800."
  }
}

# --- Redis ----------------------------------------------------------------------

variable "enable_redis" {
  description = "Create the ElastiCache Redis replication group."
  type        = bool
  default     = true
}

variable "redis_engine_version" {
  description = "Redis engine version (7.x: IAM authentication of RBAC users needs 7.0 or later)."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.redis_engine_version))
    error_message = "redis_engine_version must be 7.x (IAM-authenticated RBAC users need Redis 7)."
  }
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.redis_node_type))
    error_message = "redis_node_type must look like cache.t4g.small."
  }
}

variable "redis_replicas" {
  description = "Number of cache nodes (primary + replicas); at least 2 for automatic failover across availability zones."
  type        = number
  default     = 2

  validation {
    condition     = var.redis_replicas >= 2 && var.redis_replicas <= 6 && floor(var.redis_replicas) == var.redis_replicas
    error_message = "redis_replicas must be a whole number between 2 and 6 (automatic failover needs a replica)."
  }
}

variable "redis_maxmemory_policy" {
  description = "Redis eviction policy."
  type        = string
  default     = "volatile-lru"

  validation {
    condition     = contains(["volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random", "allkeys-random", "volatile-ttl", "noeviction"], var.redis_maxmemory_policy)
    error_message = "redis_maxmemory_policy must be a Redis maxmemory-policy (volatile-lru, allkeys-lru, ..., noeviction)."
  }
}

variable "redis_snapshot_retention_days" {
  description = "Days automatic Redis snapshots are kept."
  type        = number
  default     = 7

  validation {
    condition     = var.redis_snapshot_retention_days >= 1 && var.redis_snapshot_retention_days <= 35
    error_message = "redis_snapshot_retention_days must be between 1 and 35."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
