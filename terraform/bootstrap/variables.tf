variable "region" {
  description = "AWS region of the state bucket and lock table."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "allowed_account_ids" {
  description = "The AWS account(s) the state backend may be created in."
  type        = list(string)

  validation {
    condition     = length(var.allowed_account_ids) > 0 && alltrue([for id in var.allowed_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "allowed_account_ids must be a non-empty list of 12-digit AWS account IDs."
  }
}

variable "project" {
  description = "Project name."
  type        = string
  default     = "slipway"
}

variable "environments" {
  description = "Environments whose state this backend holds."
  type        = list(string)
  default     = ["dev", "staging", "prod"]
}

variable "bucket_name" {
  description = "State bucket name; null derives it from project, account and region."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Existing KMS key for state and locks; null creates one."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days old state versions are kept (at least 30)."
  type        = number
  default     = 90
}

variable "access_log_bucket" {
  description = "Bucket receiving the state bucket's access logs; null disables them."
  type        = string
  default     = null
}

variable "protect" {
  description = "Deletion protection of bucket and lock table (false only for throw-away test runs)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags (owner, cost centre, ...)."
  type        = map(string)
  default     = {}
}
