variable "project" {
  description = "Project name, the prefix of bucket, table and key alias."
  type        = string
  default     = "slipway"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.project))
    error_message = "project must be 2-12 lower-case letters and digits, starting with a letter."
  }
}

variable "environments" {
  description = "Environments whose state lives in this bucket; one backend configuration is produced for each."
  type        = list(string)
  default     = ["dev", "staging", "prod"]

  validation {
    condition     = length(var.environments) > 0 && alltrue([for e in var.environments : contains(["local", "dev", "staging", "prod"], e)])
    error_message = "environments must be a non-empty list of known environment names: local, dev, staging, prod."
  }
}

variable "bucket_name" {
  description = "State bucket name. Null: PROJECT-tfstate-ACCOUNT_ID-REGION (globally unique)."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.bucket_name, "xxx")))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lower-case letters, digits, '.', '-')."
  }
}

variable "lock_table_name" {
  description = "DynamoDB lock table name. Null: PROJECT-terraform-locks."
  type        = string
  default     = null

  validation {
    condition     = var.lock_table_name == null || can(regex("^[A-Za-z0-9_.-]{3,255}$", coalesce(var.lock_table_name, "xxx")))
    error_message = "lock_table_name must be 3-255 letters, digits, '_', '.', '-'."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN encrypting state and locks. Null: the module creates a dedicated rotating key (alias/PROJECT/terraform-state)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days old state versions are kept (policy: at least 30, so a bad apply can be rolled back)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 30 && var.noncurrent_version_expiration_days <= 3650
    error_message = "noncurrent_version_expiration_days must be between 30 (retention policy minimum) and 3650."
  }
}

variable "access_log_bucket" {
  description = "Bucket receiving S3 server access logs of the state bucket. Null: no access logging."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.access_log_bucket, "xxx")))
    error_message = "access_log_bucket must be an S3 bucket name or null."
  }
}

variable "protect" {
  description = "Deletion protection: the lock table refuses deletion and the bucket cannot be destroyed while it holds state. False only for throw-away test runs."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
