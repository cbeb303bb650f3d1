variable "project" {
  description = "Project name, the prefix of budget, rule and policy names."
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

# --- budgets ---------------------------------------------------------------------

variable "enable_budgets" {
  description = "Create the AWS Budgets (cost budget of this environment's resources)."
  type        = bool
  default     = true
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the environment, in USD (cost of resources tagged Project/Environment)."
  type        = number
  default     = 1000

  validation {
    condition     = var.monthly_budget_usd > 0 && var.monthly_budget_usd <= 10000000
    error_message = "monthly_budget_usd must be a positive amount of at most 10,000,000."
  }
}

variable "budget_filter_by_tags" {
  description = "Count only costs tagged Project=PROJECT and Environment=ENVIRONMENT (needs those tags activated as cost-allocation tags). False: the whole account."
  type        = bool
  default     = true
}

variable "budget_thresholds" {
  description = "Alert thresholds in percent of the budget: ACTUAL spend and FORECASTED spend."
  type = list(object({
    percent = number
    type    = string
  }))
  default = [
    { percent = 80, type = "ACTUAL" },
    { percent = 100, type = "ACTUAL" },
    { percent = 100, type = "FORECASTED" },
  ]

  validation {
    condition     = alltrue([for t in var.budget_thresholds : t.percent > 0 && t.percent <= 1000 && contains(["ACTUAL", "FORECASTED"], t.type)])
    error_message = "budget_thresholds: percent must be in (0, 1000] and type ACTUAL or FORECASTED."
  }

  validation {
    condition     = length(distinct([for t in var.budget_thresholds : "${t.type}-${t.percent}"])) == length(var.budget_thresholds)
    error_message = "budget_thresholds must not repeat a type/percent pair."
  }
}

variable "budget_alert_emails" {
  description = "E-mail addresses alerted at every threshold (AWS Budgets allows at most 10 subscribers per alert)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.budget_alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "budget_alert_emails must be e-mail addresses."
  }
}

variable "budget_alert_sns_topic_arns" {
  description = "SNS topics alerted at every threshold (their policy must allow budgets.amazonaws.com to publish)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.budget_alert_sns_topic_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", arn))])
    error_message = "budget_alert_sns_topic_arns must be SNS topic ARNs."
  }

  validation {
    condition     = length(var.budget_alert_sns_topic_arns) <= 1
    error_message = "AWS Budgets accepts one SNS subscriber per notification."
  }
}

# --- tagging ---------------------------------------------------------------------

variable "required_tags" {
  description = "Tag keys every resource must carry (the Config required-tags rule checks at most 6)."
  type        = list(string)
  default     = ["Project", "Environment", "ManagedBy"]

  validation {
    condition     = length(var.required_tags) > 0 && length(var.required_tags) <= 6 && alltrue([for t in var.required_tags : can(regex("^[A-Za-z0-9 _.:/=+@-]{1,128}$", t)) && !startswith(lower(t), "aws:")])
    error_message = "required_tags must hold 1-6 tag keys (1-128 characters, not starting with aws:)."
  }
}

variable "tag_allowed_values" {
  description = "Allowed values per required tag key for the Organizations tag policy (keys absent here accept any value)."
  type        = map(list(string))
  default = {
    Environment = ["local", "dev", "staging", "prod"]
    ManagedBy   = ["terraform"]
  }
}

variable "tag_policy_enforced_for" {
  description = "Resource types for which the Organizations tag policy enforces compliant values (service:resource, or service:ALL_SUPPORTED)."
  type        = list(string)
  default     = ["ecs:ALL_SUPPORTED", "ecr:ALL_SUPPORTED", "s3:bucket", "dynamodb:ALL_SUPPORTED", "secretsmanager:ALL_SUPPORTED", "kms:ALL_SUPPORTED"]

  validation {
    condition     = alltrue([for t in var.tag_policy_enforced_for : can(regex("^[a-z0-9-]+:[A-Za-z0-9_-]+$", t))])
    error_message = "tag_policy_enforced_for entries look like service:resource-type or service:ALL_SUPPORTED."
  }
}

# --- AWS Config ------------------------------------------------------------------

variable "enable_config_rules" {
  description = "Create the AWS Config managed rules. Needs a configuration recorder in the account and region (not created here)."
  type        = bool
  default     = false
}

variable "config_rules" {
  description = "AWS Config managed rules, keyed by rule name suffix: the managed rule identifier and its input parameters. The required-tags rule is added from required_tags."
  type = map(object({
    identifier       = string
    input_parameters = optional(map(string), {})
    description      = optional(string)
  }))
  default = {
    "s3-bucket-server-side-encryption-enabled" = { identifier = "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED" }
    "s3-bucket-ssl-requests-only"              = { identifier = "S3_BUCKET_SSL_REQUESTS_ONLY" }
    "s3-bucket-public-read-prohibited"         = { identifier = "S3_BUCKET_PUBLIC_READ_PROHIBITED" }
    "rds-storage-encrypted"                    = { identifier = "RDS_STORAGE_ENCRYPTED" }
    "ecr-private-image-scanning-enabled"       = { identifier = "ECR_PRIVATE_IMAGE_SCANNING_ENABLED" }
    "cloudwatch-log-group-encrypted"           = { identifier = "CLOUDWATCH_LOG_GROUP_ENCRYPTED" }
    "dynamodb-pitr-enabled"                    = { identifier = "DYNAMODB_PITR_ENABLED" }
    "secretsmanager-rotation-enabled-check"    = { identifier = "SECRETSMANAGER_ROTATION_ENABLED_CHECK" }
    "cmk-backing-key-rotation-enabled"         = { identifier = "CMK_BACKING_KEY_ROTATION_ENABLED" }
    "iam-root-access-key-check"                = { identifier = "IAM_ROOT_ACCESS_KEY_CHECK" }
  }

  validation {
    condition     = alltrue([for name, r in var.config_rules : can(regex("^[a-z0-9-]{1,100}$", name)) && can(regex("^[A-Z0-9_]+$", r.identifier))])
    error_message = "config_rules: names are lower-case letters, digits and hyphens; identifiers are managed rule identifiers such as S3_BUCKET_SSL_REQUESTS_ONLY."
  }
}

# --- AWS Organizations ------------------------------------------------------------

variable "enable_organizations_policies" {
  description = "Create the tag policy and service control policies in AWS Organizations and attach them to organizations_target_ids. Only in the organisation's management (or delegated administrator) account."
  type        = bool
  default     = false
}

variable "organizations_target_ids" {
  description = "Roots, OUs or accounts the policies are attached to (r-xxxx, ou-xxxx-xxxxxxxx, 12-digit account ID)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.organizations_target_ids : can(regex("^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[0-9]{12})$", id))])
    error_message = "organizations_target_ids must be root IDs (r-...), OU IDs (ou-...-...) or 12-digit account IDs."
  }
}

variable "allowed_regions" {
  description = "Regions the region-restriction SCP allows; global services are exempt."
  type        = list(string)
  default     = ["us-east-1"]

  validation {
    condition     = length(var.allowed_regions) > 0 && alltrue([for r in var.allowed_regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "allowed_regions must be a non-empty list of region names such as us-east-1."
  }
}

variable "scp_exempt_role_arns" {
  description = "Role ARN patterns exempt from the region and CloudTrail/Config SCPs (break-glass / organisation administration)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.scp_exempt_role_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|\\*):role/.+$", arn))])
    error_message = "scp_exempt_role_arns must be IAM role ARNs (wildcards allowed)."
  }
}

variable "scp_require_sse_header" {
  description = "The S3 SCP also denies PutObject requests that name no server-side encryption (besides those naming an unencrypted/unknown one). Clients then always send x-amz-server-side-encryption."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
