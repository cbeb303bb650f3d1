# Inputs of the identity, encryption and governance modules (kms, iam,
# artifacts, secrets, governance; wired in identity.tf). Every one has a
# default, so a root only sets what differs.

# --- kms ---------------------------------------------------------------------

variable "kms_deletion_window_days" {
  description = "Waiting period before a deleted customer-managed key is destroyed (7-30 days)."
  type        = number
  default     = 30
}

# --- artifacts -----------------------------------------------------------------

variable "enable_artifacts_bucket" {
  description = "Create the build-artifact bucket."
  type        = bool
  default     = true
}

variable "artifacts_force_destroy" {
  description = "Allow destroying the artifact bucket while it holds objects (throw-away environments only)."
  type        = bool
  default     = false
}

variable "artifacts_access_log_bucket" {
  description = "Bucket receiving the artifact bucket's S3 access logs; null disables them."
  type        = string
  default     = null
}

variable "artifacts_noncurrent_version_expiration_days" {
  description = "Days replaced artifact versions are kept."
  type        = number
  default     = 90
}

variable "artifacts_noncurrent_versions_to_keep" {
  description = "Newest replaced artifact versions kept regardless of age (0: age rule only)."
  type        = number
  default     = 3
}

# --- secrets ---------------------------------------------------------------------

variable "database_credentials" {
  description = "Database user secrets (PROJECT/ENVIRONMENT/SERVICE/NAME); see modules/secrets for the fields."
  type = map(object({
    service               = string
    username              = string
    name                  = optional(string, "db-credentials")
    description           = optional(string)
    engine                = optional(string, "postgres")
    host                  = optional(string)
    port                  = optional(number, 5432)
    dbname                = optional(string)
    initial_password      = optional(string, "none")
    initial_value_version = optional(number, 1)
  }))
  default = {}
}

variable "database_connections" {
  description = "Database connection settings published to Parameter Store (/PROJECT/ENVIRONMENT/SERVICE/db/NAME/...)."
  type = map(object({
    service        = string
    host           = string
    port           = number
    dbname         = string
    proxy_endpoint = optional(string)
    url_scheme     = optional(string, "jdbc:postgresql")
  }))
  default = {}
}

variable "app_parameters" {
  description = "Other Parameter Store entries keyed by SERVICE/PATH; secure = true (default) stores a SecureString."
  type = map(object({
    value       = string
    secure      = optional(bool, true)
    description = optional(string)
  }))
  default = {}
}

variable "enable_secret_rotation" {
  description = "Rotate the database credential secrets (needs secret_rotation_lambda_arn when there are credentials)."
  type        = bool
  default     = true
}

variable "secret_rotation_lambda_arn" {
  description = "ARN of the Secrets Manager rotation Lambda for the database credentials."
  type        = string
  default     = null
}

variable "secret_rotation_days" {
  description = "Days between automatic secret rotations."
  type        = number
  default     = 30
}

# --- iam -------------------------------------------------------------------------

variable "service_access" {
  description = "Per service (keys of services) the queues, buckets and data keys its task role may use, in addition to its own secrets and parameters."
  type = map(object({
    queue_arns            = optional(list(string), [])
    bucket_arns           = optional(list(string), [])
    read_only_bucket_arns = optional(list(string), [])
    kms_key_arns          = optional(list(string), [])
  }))
  default = {}

  validation {
    condition     = alltrue([for svc, _ in var.service_access : contains(keys(var.services), svc)])
    error_message = "service_access keys must be services of the catalogue."
  }
}

variable "enable_github_oidc" {
  description = "Create the GitHub Actions plan/apply roles (and the OIDC provider unless create_github_oidc_provider is false)."
  type        = bool
  default     = false
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (one per account; false in all but one root sharing an account)."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "Existing GitHub OIDC provider ARN, when create_github_oidc_provider is false."
  type        = string
  default     = null
}

variable "github_org" {
  description = "GitHub organisation owning the repositories the roles trust."
  type        = string
  default     = "slipway"
}

variable "github_repositories" {
  description = "Repositories of github_org whose workflows may assume the GitHub roles."
  type        = list(string)
  default     = []
}

variable "github_plan_branches" {
  description = "Branches whose workflows may assume the plan role (pull requests are trusted as well)."
  type        = list(string)
  default     = ["main"]
}

variable "github_apply_environment" {
  description = "Protected GitHub environment whose jobs alone may assume the apply role; null: the environment name."
  type        = string
  default     = null
}

variable "github_apply_role_managed_policies" {
  description = "AWS managed policies (names) of the GitHub apply role; IAM for the project's own roles is granted separately."
  type        = list(string)
  default     = ["PowerUserAccess"]
}

variable "terraform_state" {
  description = "State backend the GitHub roles read/lock/write (bootstrap outputs); null grants no state access."
  type = object({
    bucket_arn     = string
    key_prefix     = string
    lock_table_arn = optional(string)
    kms_key_arn    = optional(string)
  })
  default = null
}

variable "cross_account_roles" {
  description = "Cross-account deploy roles trusted from a tooling account with an ExternalId; see modules/iam."
  type = map(object({
    trusted_account_ids = list(string)
    external_id         = string
    policy_arns         = optional(list(string), [])
    inline_policy_json  = optional(string)
  }))
  default = {}
}

# --- governance ------------------------------------------------------------------

variable "enable_budgets" {
  description = "Create the monthly AWS Budgets cost budget of the environment."
  type        = bool
  default     = true
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the environment in USD."
  type        = number
  default     = 1000
}

variable "budget_alert_emails" {
  description = "E-mail addresses alerted at the budget thresholds (80%/100% actual, 100% forecasted)."
  type        = list(string)
  default     = []
}

variable "budget_alert_sns_topic_arns" {
  description = "SNS topic (at most one) alerted at the budget thresholds."
  type        = list(string)
  default     = []
}

variable "required_tags" {
  description = "Tag keys every resource must carry (tag policy and Config rule)."
  type        = list(string)
  default     = ["Project", "Environment", "ManagedBy"]
}

variable "enable_config_rules" {
  description = "Create the AWS Config managed rules (the account needs a configuration recorder)."
  type        = bool
  default     = false
}

variable "enable_organizations_policies" {
  description = "Create and attach the tag policy and SCPs in AWS Organizations (management account only)."
  type        = bool
  default     = false
}

variable "organizations_target_ids" {
  description = "Roots, OUs or accounts the Organizations policies are attached to."
  type        = list(string)
  default     = []
}

variable "allowed_regions" {
  description = "Regions the region SCP allows; empty: the stack's region."
  type        = list(string)
  default     = []
}
