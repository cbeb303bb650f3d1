# Values are validated where they are used (the network, security, ecr, ecs,
# observability and deployments modules); this module only wires them together.

variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
  default     = "slipway"
}

variable "environment" {
  description = "Environment name (local, dev, staging, prod)."
  type        = string
}

variable "services" {
  description = "The static part of the service catalogue (inventories/ENV/group_vars/all/services.yml)."
  type = map(object({
    port          = number
    health_path   = string
    cpu           = number
    memory        = number
    desired_count = number
    max_count     = optional(number)
  }))
}

variable "initial_image_tag" {
  description = "Image tag of the first task definition of every service."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
}

variable "az_count" {
  description = "Number of availability zones."
  type        = number
  default     = 2
}

variable "enable_nat_gateway" {
  description = "Create NAT gateways for the private subnets."
  type        = bool
  default     = true
}

variable "enable_flow_logs" {
  description = "Enable VPC flow logs."
  type        = bool
  default     = true
}

variable "alb_ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the ALB listeners."
  type        = list(string)
}

variable "prod_listener_protocol" {
  description = "Protocol of the production listener (HTTP or HTTPS)."
  type        = string
  default     = "HTTPS"
}

variable "prod_listener_port" {
  description = "Port of the production listener."
  type        = number
  default     = 443
}

variable "certificate_arn" {
  description = "ACM certificate ARN of an HTTPS production listener."
  type        = string
  default     = null
}

variable "test_listener_port" {
  description = "Port of the HTTP test listener."
  type        = number
  default     = 9000
}

variable "deregistration_delay_seconds" {
  description = "Target-group deregistration delay in seconds."
  type        = number
  default     = 15
}

variable "container_insights" {
  description = "Container Insights setting of the cluster (enabled, enhanced, disabled)."
  type        = string
  default     = "enabled"
}

variable "log_retention_days" {
  description = "Retention of the service log groups, in days."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for logs, ECR, DynamoDB and the secret. Null uses each service's AWS-managed encryption."
  type        = string
  default     = null
}

variable "ecr_force_delete" {
  description = "Allow destroying ECR repositories that still hold images."
  type        = bool
  default     = false
}

variable "alb_deletion_protection" {
  description = "Protect the ALB against deletion."
  type        = bool
  default     = true
}

variable "deployment_table_deletion_protection" {
  description = "Protect the deployment table against deletion."
  type        = bool
  default     = true
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery of the deployment table."
  type        = bool
  default     = true
}

variable "secret_recovery_window_days" {
  description = "Recovery window of the Slack webhook secret (0 deletes at once)."
  type        = number
  default     = 30
}

variable "alarm_notifications" {
  description = "Send alarm transitions to the release topic."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}

# --- ecs: service discovery, HTTP redirect, auto scaling (validated in modules/ecs) ---

variable "enable_http_redirect" {
  description = "With an HTTPS production listener, redirect HTTP :80 to HTTPS (the ALB security group then also opens port 80)."
  type        = bool
  default     = true
}

variable "enable_service_discovery" {
  description = "Cloud Map private DNS namespace with one discovery service per app service; both colours register."
  type        = bool
  default     = true
}

variable "service_discovery_namespace" {
  description = "Name of the Cloud Map namespace; null means ENVIRONMENT.PROJECT.local."
  type        = string
  default     = null
}

variable "enable_autoscaling" {
  description = "Application Auto Scaling of both colours of every service (the release moves min/max between the colours)."
  type        = bool
  default     = true
}

variable "autoscaling_cpu_target" {
  description = "Target average CPU utilisation, percent."
  type        = number
  default     = 60
}

variable "autoscaling_memory_target" {
  description = "Target average memory utilisation, percent."
  type        = number
  default     = 75
}

variable "autoscaling_requests_per_target" {
  description = "Target ALB requests per task and minute."
  type        = number
  default     = 1000
}

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

# Inputs of the platform modules wired in platform.tf (data, cdn, messaging,
# backup) and of the network/observability extensions. Every one has a
# default, so a root that sets none of them still validates and gets the
# production-grade setting.

# --- network extension -----------------------------------------------------------

variable "single_nat_gateway" {
  description = "One shared NAT gateway instead of one per availability zone (dev)."
  type        = bool
  default     = false
}

variable "enable_vpc_endpoints" {
  description = "VPC endpoints for ECR (api, dkr), S3, Secrets Manager and CloudWatch Logs."
  type        = bool
  default     = true
}

# --- data tier ------------------------------------------------------------------------

variable "enable_postgres" {
  description = "RDS PostgreSQL (Multi-AZ, encrypted, IAM auth) in the isolated data subnets."
  type        = bool
  default     = true
}

variable "enable_db_proxy" {
  description = "RDS Proxy in front of PostgreSQL."
  type        = bool
  default     = true
}

variable "enable_redis" {
  description = "ElastiCache Redis replication group."
  type        = bool
  default     = true
}

variable "postgres_engine_version" {
  description = "PostgreSQL version (15 or 16, optionally with minor)."
  type        = string
  default     = "16"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_multi_az" {
  description = "Multi-AZ standby for PostgreSQL."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "PostgreSQL automated backup (PITR) retention in days (7-35)."
  type        = number
  default     = 14
}

variable "db_deletion_protection" {
  description = "Protect PostgreSQL against deletion (and take a final snapshot)."
  type        = bool
  default     = true
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "data_apply_immediately" {
  description = "Apply RDS and ElastiCache modifications at once instead of in the maintenance window."
  type        = bool
  default     = false
}

# --- CDN -------------------------------------------------------------------------------

variable "enable_cdn" {
  description = "The static-site CDN (S3 site and log buckets, and the CloudFront distribution unless enable_cloudfront is false)."
  type        = bool
  default     = true
}

variable "enable_cloudfront" {
  description = "CloudFront distribution, OAC, cache and response-headers policies."
  type        = bool
  default     = true
}

variable "enable_waf" {
  description = "WAFv2 web ACL (CLOUDFRONT scope) on the distribution."
  type        = bool
  default     = true
}

variable "cdn_certificate_arn" {
  description = "ACM certificate (us-east-1) of the CDN aliases; null uses the default CloudFront certificate."
  type        = string
  default     = null
}

variable "cdn_aliases" {
  description = "Alternate domain names of the CDN (need cdn_certificate_arn)."
  type        = list(string)
  default     = []
}

variable "cdn_secondary_origin_domain_name" {
  description = "Regional domain name of a replica site bucket used as failover origin; null disables origin failover."
  type        = string
  default     = null
}

variable "cdn_wait_for_deployment" {
  description = "Wait for CloudFront deployments to finish."
  type        = bool
  default     = true
}

variable "bucket_force_destroy" {
  description = "Allow destroying the CDN buckets and the backup vault while they hold data (throw-away environments)."
  type        = bool
  default     = false
}

# --- messaging ---------------------------------------------------------------------------

variable "enable_messaging" {
  description = "SQS queues, the integration EventBridge bus, its rules and the integration Lambdas."
  type        = bool
  default     = true
}

variable "messaging_queues" {
  description = "Queues (with DLQs) by key; see the messaging module."
  type = map(object({
    visibility_timeout_seconds = optional(number, 60)
    message_retention_seconds  = optional(number, 345600)
    dlq_retention_seconds      = optional(number, 1209600)
    max_receive_count          = optional(number, 5)
    receive_wait_time_seconds  = optional(number, 20)
  }))
  default = {
    notifications      = {}
    integration-events = {}
  }
}

variable "event_rules" {
  description = "Rules on the integration bus by key: event pattern (JSON) and a queue or function target."
  type = map(object({
    description   = string
    event_pattern = string
    queue         = optional(string)
    function      = optional(string)
  }))
  default = {
    partner-events = {
      description   = "Third-party events (source partner.*): validated by event_forwarder, then queued for notifications"
      event_pattern = "{\"source\":[{\"prefix\":\"partner.\"}]}"
      function      = "event_forwarder"
    }
    domain-events = {
      description   = "Slipway domain events (source slipway.*) for the integration workers"
      event_pattern = "{\"source\":[{\"prefix\":\"slipway.\"}]}"
      queue         = "integration-events"
    }
  }
}

variable "enable_integration_functions" {
  description = "Deploy the integration Lambdas (and the rules that target them)."
  type        = bool
  default     = true
}

variable "sqs_redrive_allow_policy" {
  description = "Restrict each dead-letter queue to its own source queue (redrive-allow policy)."
  type        = bool
  default     = true
}

variable "integration_functions" {
  description = "Integration Lambdas by key (code in lambdas/KEY/, zip built by tools/package-lambdas)."
  type = map(object({
    description          = string
    handler              = optional(string, "handler.handler")
    memory_size          = optional(number, 128)
    timeout_seconds      = optional(number, 10)
    reserved_concurrency = optional(number, -1)
    target_queue         = optional(string)
    environment          = optional(map(string), {})
  }))
  default = {
    event_forwarder = {
      description  = "Validates third-party EventBridge events and forwards them to the notifications queue"
      target_queue = "notifications"
      environment = {
        ALLOWED_SOURCES = "partner."
      }
    }
  }
}

# --- backup ---------------------------------------------------------------------------------

variable "enable_backup" {
  description = "AWS Backup vault and plan (daily and weekly)."
  type        = bool
  default     = true
}

variable "enable_backup_selection" {
  description = "Back up every resource tagged Backup=true (and create the AWS Backup service role)."
  type        = bool
  default     = true
}

variable "backup_daily_retention_days" {
  description = "Days daily recovery points are kept (>= 7)."
  type        = number
  default     = 35
}

variable "backup_copy_destination_vault_arn" {
  description = "Backup vault ARN in the DR region recovery points are copied to; null copies nothing."
  type        = string
  default     = null
}

variable "s3_replication_destination_bucket_arn" {
  description = "Versioned bucket in the DR region the CDN site bucket is replicated to; null disables S3 replication."
  type        = string
  default     = null
}

# --- observability extension -------------------------------------------------------------------

variable "enable_xray_sampling_rule" {
  description = "X-Ray sampling rule of the environment."
  type        = bool
  default     = true
}

variable "alert_subscriptions" {
  description = "Subscriptions of the critical/warning alert topics by key: severity, protocol, endpoint."
  type = map(object({
    severity = string
    protocol = string
    endpoint = string
  }))
  default = {}
}
