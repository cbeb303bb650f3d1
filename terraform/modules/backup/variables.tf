variable "name" {
  description = "Name prefix of vault, plan, selection and roles, e.g. slipway-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 characters of lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "enable_backup" {
  description = "Create the AWS Backup vault and plan."
  type        = bool
  default     = true
}

variable "enable_selection" {
  description = "Select resources for the plan by tag (and create the AWS Backup service role)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN of the backup vault. Null uses the AWS Backup managed key (aws/backup)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "daily_retention_days" {
  description = "Days daily recovery points are kept."
  type        = number
  default     = 35

  validation {
    condition     = var.daily_retention_days >= 7 && floor(var.daily_retention_days) == var.daily_retention_days
    error_message = "daily_retention_days must be a whole number of at least 7."
  }
}

variable "weekly_retention_days" {
  description = "Days weekly recovery points are kept."
  type        = number
  default     = 90

  validation {
    condition     = var.weekly_retention_days >= 7 && floor(var.weekly_retention_days) == var.weekly_retention_days
    error_message = "weekly_retention_days must be a whole number of at least 7."
  }
}

variable "daily_schedule" {
  description = "Cron expression (UTC) of the daily backup."
  type        = string
  default     = "cron(0 3 * * ? *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.daily_schedule))
    error_message = "daily_schedule must be a cron(...) expression."
  }
}

variable "weekly_schedule" {
  description = "Cron expression (UTC) of the weekly backup."
  type        = string
  default     = "cron(0 4 ? * SUN *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.weekly_schedule))
    error_message = "weekly_schedule must be a cron(...) expression."
  }
}

variable "copy_destination_vault_arn" {
  description = "Backup vault ARN in another region (or account) every recovery point is copied to; null copies nothing."
  type        = string
  default     = null

  validation {
    condition     = var.copy_destination_vault_arn == null || can(regex("^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:", var.copy_destination_vault_arn))
    error_message = "copy_destination_vault_arn must be a backup vault ARN or null."
  }
}

variable "copy_retention_days" {
  description = "Days the cross-region copies are kept."
  type        = number
  default     = 35

  validation {
    condition     = var.copy_retention_days >= 7
    error_message = "copy_retention_days must be at least 7."
  }
}

variable "selection_tag" {
  description = "Resources carrying this tag key and value are backed up by the plan."
  type = object({
    key   = string
    value = string
  })
  default = {
    key   = "Backup"
    value = "true"
  }
}

variable "force_destroy" {
  description = "Allow destroying the vault while it still holds recovery points (throw-away environments only)."
  type        = bool
  default     = false
}

variable "enable_s3_replication" {
  description = "Replicate the buckets in replication_buckets to their destination buckets."
  type        = bool
  default     = false
}

variable "replication_buckets" {
  description = "Critical buckets to replicate cross-region, by key: source bucket name and ARN (versioning enabled), destination bucket ARN (versioned, other region) and optional keys. Only evaluated when enable_s3_replication is true."
  type = map(object({
    source_bucket_name      = string
    source_bucket_arn       = string
    destination_bucket_arn  = string
    source_kms_key_arn      = optional(string)
    destination_kms_key_arn = optional(string)
    storage_class           = optional(string, "STANDARD_IA")
  }))
  default = {}

  validation {
    condition     = alltrue([for b in var.replication_buckets : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$", b.source_bucket_arn)) && can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$", b.destination_bucket_arn))])
    error_message = "source_bucket_arn and destination_bucket_arn must be S3 bucket ARNs (arn:aws:s3:::NAME)."
  }

  validation {
    condition     = alltrue([for b in var.replication_buckets : contains(["STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"], b.storage_class)])
    error_message = "storage_class must be an S3 storage class (STANDARD, STANDARD_IA, ..., DEEP_ARCHIVE)."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
