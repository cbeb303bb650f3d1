variable "project" {
  description = "Project name, the first part of the bucket name."
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

variable "bucket_name" {
  description = "Bucket name. Null: PROJECT-ENVIRONMENT-artifacts-ACCOUNT_ID-REGION (globally unique)."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.bucket_name, "xxx")))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lower-case letters, digits, '.', '-')."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for SSE-KMS. Null: SSE-KMS with the AWS-managed aws/s3 key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "access_log_bucket" {
  description = "Name of the bucket receiving S3 server access logs. Null: no access logging."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.access_log_bucket, "xxx")))
    error_message = "access_log_bucket must be an S3 bucket name or null."
  }
}

variable "access_log_prefix" {
  description = "Key prefix of the access logs in access_log_bucket. Null: s3/BUCKET/."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced (noncurrent) artifact versions are deleted."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && var.noncurrent_version_expiration_days <= 3650
    error_message = "noncurrent_version_expiration_days must be between 1 and 3650."
  }
}

variable "noncurrent_versions_to_keep" {
  description = "Newest noncurrent versions kept regardless of age (0 keeps none beyond the age rule)."
  type        = number
  default     = 3

  validation {
    condition     = var.noncurrent_versions_to_keep >= 0 && var.noncurrent_versions_to_keep <= 100
    error_message = "noncurrent_versions_to_keep must be between 0 and 100."
  }
}

variable "current_version_expiration_days" {
  description = "Days after which current artifacts expire. Null: never (build artifacts are kept)."
  type        = number
  default     = null

  validation {
    condition     = var.current_version_expiration_days == null || try(var.current_version_expiration_days >= 1, false)
    error_message = "current_version_expiration_days must be at least 1, or null."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_days >= 1 && var.abort_incomplete_multipart_days <= 365
    error_message = "abort_incomplete_multipart_days must be between 1 and 365."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds objects (throw-away environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
