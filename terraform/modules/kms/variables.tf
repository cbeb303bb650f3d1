variable "project" {
  description = "Project name, the first part of every alias (alias/PROJECT/ENVIRONMENT/CLASS)."
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

variable "keys" {
  description = <<-EOT
    One customer-managed key per data class, keyed by class name (the alias suffix).
    service_principals: AWS services that use the key directly (not on behalf of an
    IAM principal of this account), given by their short name: "logs" becomes
    logs.REGION.amazonaws.com, anything else NAME.amazonaws.com. IAM principals of
    the account get access through their IAM policies (the key policy delegates to
    the account root).
  EOT
  type = map(object({
    description        = string
    service_principals = optional(list(string), [])
  }))
  default = {
    logs      = { description = "CloudWatch Logs log groups", service_principals = ["logs"] }
    data      = { description = "Databases, caches, tables and queues" }
    secrets   = { description = "Secrets Manager secrets and SecureString parameters" }
    artifacts = { description = "Build artifacts and container images" }
    backup    = { description = "AWS Backup vaults and snapshot copies", service_principals = ["backup"] }
  }

  validation {
    condition     = length(var.keys) > 0 && alltrue([for class, _ in var.keys : can(regex("^[a-z][a-z0-9-]{0,31}$", class))])
    error_message = "keys must be non-empty; class names are 1-32 lower-case letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue(flatten([for k in var.keys : [for p in k.service_principals : can(regex("^[a-z][a-z0-9.-]*[a-z0-9]$", p)) && !endswith(p, ".amazonaws.com")]]))
    error_message = "service_principals are short service names such as logs, sns or backup (without .amazonaws.com)."
  }
}

variable "rotation_period_in_days" {
  description = "Days between automatic key rotations (rotation is always on). Null keeps the AWS default (365)."
  type        = number
  default     = null

  validation {
    condition     = var.rotation_period_in_days == null || try(var.rotation_period_in_days >= 90 && var.rotation_period_in_days <= 2560, false)
    error_message = "rotation_period_in_days must be between 90 and 2560, or null."
  }
}

variable "deletion_window_in_days" {
  description = "Waiting period before a deleted key is destroyed."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "key_administrator_arns" {
  description = "IAM principals (role/user ARNs) that may administer, but not use, the keys. Empty: administration only through IAM policies of the account."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.key_administrator_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", arn))])
    error_message = "key_administrator_arns must be IAM role or user ARNs."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
