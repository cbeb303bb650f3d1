variable "repository_prefix" {
  description = "Prefix of every repository name; repositories are named PREFIX/SERVICE."
  type        = string
  default     = "slipway"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,29}$", var.repository_prefix))
    error_message = "repository_prefix must be lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "services" {
  description = "Names of the services that get a repository."
  type        = set(string)

  validation {
    condition     = alltrue([for name in var.services : can(regex("^[a-z][a-z0-9-]{0,15}$", name))])
    error_message = "Service names must be 1-16 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "image_tag_mutability" {
  description = "Tag mutability of the repositories. Releases rely on tags never moving, so IMMUTABLE is the default."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["IMMUTABLE", "MUTABLE"], var.image_tag_mutability)
    error_message = "image_tag_mutability must be IMMUTABLE or MUTABLE."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for repository encryption. Null uses AES256 (ECR-managed keys)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "max_tagged_images" {
  description = "Number of tagged images kept per repository; older ones expire (keep enough to roll back)."
  type        = number
  default     = 50

  validation {
    condition     = var.max_tagged_images >= 1
    error_message = "max_tagged_images must be at least 1."
  }
}

variable "untagged_image_expiry_days" {
  description = "Days after which untagged images expire."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_image_expiry_days >= 1
    error_message = "untagged_image_expiry_days must be at least 1."
  }
}

variable "force_delete" {
  description = "Allow destroying repositories that still hold images (use on throw-away environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
