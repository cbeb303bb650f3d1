variable "name" {
  description = "Bucket name (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be a valid S3 bucket name (3-63 lower-case letters, digits, '.', '-')."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for SSE-KMS. Null: SSE-S3 (AES256), or SSE-KMS with the AWS-managed aws/s3 key when sse_algorithm is aws:kms."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "sse_algorithm" {
  description = "Default encryption: AES256 or aws:kms. Null: aws:kms when kms_key_arn is given, else AES256."
  type        = string
  default     = null

  validation {
    condition     = var.sse_algorithm == null || contains(["AES256", "aws:kms"], coalesce(var.sse_algorithm, "AES256"))
    error_message = "sse_algorithm must be AES256, aws:kms or null."
  }
}

variable "object_ownership" {
  description = "Object ownership. BucketOwnerEnforced disables ACLs; BucketOwnerPreferred only for log buckets written through ACLs (CloudFront standard logs)."
  type        = string
  default     = "BucketOwnerEnforced"

  validation {
    condition     = contains(["BucketOwnerEnforced", "BucketOwnerPreferred"], var.object_ownership)
    error_message = "object_ownership must be BucketOwnerEnforced or BucketOwnerPreferred."
  }
}

variable "policy_documents" {
  description = "IAM policy documents (JSON) merged into the bucket policy; their statements come first, then the TLS-only deny statements (DenyInsecureTransport, DenyOutdatedTls), whose Sids they must not use."
  type        = list(string)
  default     = []
}

variable "lifecycle_rule" {
  description = "One lifecycle rule over the whole bucket; null: none. Noncurrent versions expire after noncurrent_version_expiration_days (the newest newer_noncurrent_versions kept regardless), current objects after expiration_days, incomplete multipart uploads are aborted after abort_incomplete_multipart_days."
  type = object({
    id                                 = string
    noncurrent_version_expiration_days = optional(number)
    newer_noncurrent_versions          = optional(number)
    expiration_days                    = optional(number)
    abort_incomplete_multipart_days    = optional(number, 7)
  })
  default = null

  validation {
    # Conditionals, not ||: Terraform evaluates both sides of || and null >= 1 is an error.
    condition = var.lifecycle_rule == null ? true : alltrue([
      var.lifecycle_rule.noncurrent_version_expiration_days == null ? true : var.lifecycle_rule.noncurrent_version_expiration_days >= 1,
      var.lifecycle_rule.expiration_days == null ? true : var.lifecycle_rule.expiration_days >= 1,
      var.lifecycle_rule.newer_noncurrent_versions == null ? true : var.lifecycle_rule.newer_noncurrent_versions >= 1 && var.lifecycle_rule.noncurrent_version_expiration_days != null,
      var.lifecycle_rule.abort_incomplete_multipart_days >= 1,
    ])
    error_message = "lifecycle_rule days must be at least 1; newer_noncurrent_versions (>= 1) needs noncurrent_version_expiration_days."
  }
}

variable "access_logging" {
  description = "S3 server access logging into target_bucket under target_prefix (null: s3/NAME/); null: no access logging. The target's policy must admit logging.s3.amazonaws.com."
  type = object({
    target_bucket = string
    target_prefix = optional(string)
  })
  default = null
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds objects (throw-away environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of the bucket."
  type        = map(string)
  default     = {}
}
