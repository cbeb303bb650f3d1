variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "allowed_account_ids" {
  description = "The AWS account(s) this environment may be applied to."
  type        = list(string)

  validation {
    condition     = length(var.allowed_account_ids) > 0 && alltrue([for id in var.allowed_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "allowed_account_ids must be a non-empty list of 12-digit AWS account IDs."
  }
}

variable "initial_image_tag" {
  description = "Image tag of the first task definition of every service."
  type        = string
  default     = "1.0.0"
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.70.0.0/16"
}

variable "alb_ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the ALB listeners."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate ARN of the HTTPS production listener."
  type        = string
}

variable "kms_key_arn" {
  description = "One customer-managed KMS key ARN used for every data class instead of the per-class keys the stack creates (logs, data, secrets, artifacts, backup). Null: the per-class keys."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags applied to every resource (cost centre, owner, ...)."
  type        = map(string)
  default     = {}
}
