variable "project" {
  description = "Project name, the prefix of role names and of secret/parameter paths."
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

# --- ECS: permissions for the roles the ecs module creates --------------------

variable "ecs_execution_role" {
  description = "The ECS task execution role (created by the ecs module) that gets read access to this environment's secrets and parameters, for injecting them into containers. Null attaches nothing."
  type = object({
    name = string
  })
  default = null
}

variable "ecs_task_roles" {
  description = <<-EOT
    Per service its task role (created by the ecs module) and what the service may use.
    Every service may read only its own secrets (PROJECT/ENVIRONMENT/SERVICE/*) and
    parameters (/PROJECT/ENVIRONMENT/SERVICE/*); queues, buckets and data keys are
    granted only when listed here.
  EOT
  type = map(object({
    name                  = string
    queue_arns            = optional(list(string), [])
    bucket_arns           = optional(list(string), [])
    read_only_bucket_arns = optional(list(string), [])
    kms_key_arns          = optional(list(string), [])
  }))
  default = {}

  validation {
    condition     = alltrue([for svc, _ in var.ecs_task_roles : can(regex("^[a-z][a-z0-9-]{0,15}$", svc))])
    error_message = "ecs_task_roles keys are service names: 1-16 lower-case letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue(flatten([for r in var.ecs_task_roles : [for arn in r.queue_arns : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\\.fifo)?$", arn))]]))
    error_message = "queue_arns must be SQS queue ARNs."
  }

  validation {
    condition     = alltrue(flatten([for r in var.ecs_task_roles : [for arn in concat(r.bucket_arns, r.read_only_bucket_arns) : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", arn))]]))
    error_message = "bucket_arns and read_only_bucket_arns must be S3 bucket ARNs (arn:aws:s3:::NAME)."
  }

  validation {
    condition     = alltrue(flatten([for r in var.ecs_task_roles : [for arn in r.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))]]))
    error_message = "kms_key_arns must be KMS key ARNs."
  }
}

variable "secrets_kms_key_arn" {
  description = "KMS key encrypting the secrets and SecureString parameters; the roles may decrypt with it through Secrets Manager and SSM only. Null: AWS-managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be a KMS key ARN or null."
  }
}

# --- GitHub Actions OIDC ------------------------------------------------------

variable "enable_github_oidc" {
  description = "Create the GitHub Actions plan and apply roles (and, with create_github_oidc_provider, the OIDC provider)."
  type        = bool
  default     = false
}

variable "create_github_oidc_provider" {
  description = "Create the account's token.actions.githubusercontent.com OIDC provider. There is one per account: set false in all but one root of an account and pass github_oidc_provider_arn."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider, used when create_github_oidc_provider is false."
  type        = string
  default     = null

  validation {
    condition     = var.github_oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "github_oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com OIDC provider."
  }
}

variable "github_oidc_thumbprints" {
  description = "Certificate thumbprints of the OIDC provider. Empty: AWS validates GitHub's certificate against its trusted CA library (the thumbprint is no longer used for GitHub)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.github_oidc_thumbprints : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "github_oidc_thumbprints must be 40-character hex SHA-1 thumbprints."
  }
}

variable "github_org" {
  description = "GitHub organisation (or user) owning the repositories the roles trust."
  type        = string
  default     = "slipway"

  validation {
    condition     = can(regex("^[A-Za-z0-9]([A-Za-z0-9-]{0,37}[A-Za-z0-9])?$", var.github_org)) && !strcontains(var.github_org, "--")
    error_message = "github_org must be a GitHub organisation name: 1-39 letters, digits and single hyphens, not starting or ending with a hyphen."
  }
}

variable "github_repositories" {
  description = "Repositories (names inside github_org) whose workflows may assume the roles."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.github_repositories : can(regex("^[A-Za-z0-9._-]{1,100}$", r)) && !contains([".", ".."], r)])
    error_message = "github_repositories must be repository names (letters, digits, '.', '_', '-'; at most 100 characters), without the organisation and without wildcards."
  }
}

variable "github_plan_branches" {
  description = "Branches whose workflows may assume the plan role (glob patterns such as release/* are allowed, a bare * is not). Pull-request workflows are trusted separately (github_plan_pull_requests)."
  type        = list(string)
  default     = ["main"]

  validation {
    condition     = alltrue([for b in var.github_plan_branches : can(regex("^[A-Za-z0-9._/*-]{1,200}$", b)) && trim(b, "*/") != ""])
    error_message = "github_plan_branches must be branch names or glob patterns (letters, digits, . _ / - *), not a bare wildcard."
  }
}

variable "github_plan_pull_requests" {
  description = "Trust pull_request workflows of the repositories for the plan role."
  type        = bool
  default     = true
}

variable "github_apply_environment" {
  description = "The protected GitHub environment whose jobs alone may assume the apply role. Null: the Terraform environment name."
  type        = string
  default     = null

  validation {
    condition     = var.github_apply_environment == null || can(regex("^[A-Za-z0-9_.-]{1,255}$", coalesce(var.github_apply_environment, "x")))
    error_message = "github_apply_environment must be a GitHub environment name (letters, digits, '_', '.', '-')."
  }
}

variable "apply_role_managed_policies" {
  description = "AWS managed policies (names) attached to the apply role. IAM is granted separately, and only for this project's and environment's roles and policies."
  type        = list(string)
  default     = ["PowerUserAccess"]

  validation {
    condition     = alltrue([for p in var.apply_role_managed_policies : can(regex("^[A-Za-z0-9+=,.@_/-]{1,128}$", p))]) && !contains(var.apply_role_managed_policies, "AdministratorAccess")
    error_message = "apply_role_managed_policies must be AWS managed policy names (e.g. PowerUserAccess); AdministratorAccess is not allowed."
  }
}

variable "terraform_state" {
  description = "The state backend the GitHub roles use: bucket ARN, key prefix of this environment's state, optional DynamoDB lock table and KMS key. Null grants no state access."
  type = object({
    bucket_arn     = string
    key_prefix     = string
    lock_table_arn = optional(string)
    kms_key_arn    = optional(string)
  })
  default = null

  validation {
    condition     = var.terraform_state == null || can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", try(var.terraform_state.bucket_arn, "")))
    error_message = "terraform_state.bucket_arn must be an S3 bucket ARN."
  }

  validation {
    condition     = var.terraform_state == null || try(var.terraform_state.lock_table_arn, null) == null || can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/.+$", try(var.terraform_state.lock_table_arn, "")))
    error_message = "terraform_state.lock_table_arn must be a DynamoDB table ARN or null."
  }
}

variable "max_session_duration" {
  description = "Maximum session length of the GitHub and cross-account roles, in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

# --- cross-account deploy roles -----------------------------------------------

variable "cross_account_roles" {
  description = <<-EOT
    Deploy roles assumed from a tooling account, keyed by a short name (role
    PROJECT-ENVIRONMENT-deploy-NAME). Trust: the root of each trusted account (so
    its IAM policies decide who) with the given ExternalId. Permissions: the listed
    managed policy ARNs and an optional inline policy document.
  EOT
  type = map(object({
    trusted_account_ids = list(string)
    external_id         = string
    policy_arns         = optional(list(string), [])
    inline_policy_json  = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for name, _ in var.cross_account_roles : can(regex("^[a-z][a-z0-9-]{0,23}$", name))])
    error_message = "cross_account_roles keys must be 1-24 lower-case letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue([for r in var.cross_account_roles : length(r.trusted_account_ids) > 0 && alltrue([for id in r.trusted_account_ids : can(regex("^[0-9]{12}$", id))])])
    error_message = "trusted_account_ids must be a non-empty list of 12-digit AWS account IDs."
  }

  validation {
    condition     = alltrue([for r in var.cross_account_roles : length(r.external_id) >= 2 && length(r.external_id) <= 1224 && can(regex("^[A-Za-z0-9+=,.@:/-]+$", r.external_id))])
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/-."
  }

  validation {
    condition     = alltrue(flatten([for r in var.cross_account_roles : [for arn in r.policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", arn)) && !endswith(arn, "/AdministratorAccess")]]))
    error_message = "policy_arns must be IAM policy ARNs; AdministratorAccess is not allowed."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
