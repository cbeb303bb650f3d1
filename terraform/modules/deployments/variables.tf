variable "project" {
  description = "Project name used as the prefix of the table name."
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

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for the table. Null uses the AWS-managed DynamoDB key (aws/dynamodb)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery of the deployment history."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Protect the table against deletion."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
