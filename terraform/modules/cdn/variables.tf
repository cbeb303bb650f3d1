variable "name" {
  description = "Name prefix of buckets, distribution, policies and web ACL, e.g. slipway-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 characters of lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "enable_cloudfront" {
  description = "Create the CloudFront distribution, its origin access control, cache and response-headers policies. Without it only the buckets exist."
  type        = bool
  default     = true
}

variable "enable_waf" {
  description = "Attach a WAFv2 web ACL (scope CLOUDFRONT: AWS managed Common, KnownBadInputs and AmazonIpReputationList rule groups plus a per-IP rate limit). Needs enable_cloudfront and the provider in us-east-1."
  type        = bool
  default     = true
}

variable "enable_access_logs" {
  description = "Create the log bucket and send CloudFront standard logs and S3 server access logs of the site bucket to it."
  type        = bool
  default     = true
}

variable "site_kms_key_arn" {
  description = "KMS key ARN for the site bucket. Null uses SSE-S3 (AES256), which CloudFront with OAC reads without further setup; with a key, its key policy must include the kms_key_policy_statement output."
  type        = string
  default     = null

  validation {
    condition     = var.site_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.site_kms_key_arn))
    error_message = "site_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate (us-east-1) for the aliases. Null serves the default *.cloudfront.net certificate (local and test environments)."
  type        = string
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront only uses certificates from there) or null."
  }
}

variable "aliases" {
  description = "Alternate domain names of the distribution; need acm_certificate_arn."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.aliases : can(regex("^[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", a))])
    error_message = "aliases must be lower-case DNS names."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "secondary_origin" {
  description = "Optional failover origin: a bucket (typically the replica in another region) whose regional domain name CloudFront switches to on 403/404/5xx from the primary. Its bucket policy must grant this distribution s3:GetObject (see the origin_access_policy_json output)."
  type = object({
    bucket_regional_domain_name = string
  })
  default = null
}

variable "content_security_policy" {
  description = "Content-Security-Policy header of every response."
  type        = string
  default     = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
}

variable "hsts_max_age_seconds" {
  description = "max-age of the Strict-Transport-Security header."
  type        = number
  default     = 63072000

  validation {
    condition     = var.hsts_max_age_seconds >= 31536000
    error_message = "hsts_max_age_seconds must be at least one year (31536000)."
  }
}

variable "no_cache_paths" {
  description = "Paths always served with Cache-Control: no-cache, whatever the object says: the app shell and the Angular service worker's files."
  type        = list(string)
  default     = ["/index.html", "/ngsw.json", "/ngsw-worker.js", "/safety-worker.js", "/worker-basic.min.js", "/manifest.webmanifest"]
}

variable "immutable_paths" {
  description = <<-EOT
    Path patterns forced to a year's Cache-Control (immutable) at the edge, whatever the object says. Only for
    patterns that match nothing but content-hashed names. Empty by default: every other path is cached as its
    object's Cache-Control says, which the publisher sets by file (a year for hashed files, short for the rest,
    so an unhashed /assets/logo.png that changes is seen within minutes).
  EOT
  type        = list(string)
  default     = []
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes one IP may send before the rate rule blocks it."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 100 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be between 100 and 2000000000."
  }
}

variable "wait_for_deployment" {
  description = "Wait until the distribution is deployed (minutes on AWS); off on local."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Allow destroying buckets that still hold objects (throw-away environments only)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Days CloudFront/S3 access logs and WAF logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the WAF log group. Null keeps CloudWatch Logs' default encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
