# One typed object per submodule; every attribute is optional with the
# production-grade default, so a root sets only what differs (the local root
# switches off what the emulator cannot do). Values are validated where they
# are used (in the submodules); this module only wires them together.

variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
  default     = "slipway"
}

variable "environment" {
  description = "Environment name (local, dev, staging, prod)."
  type        = string
}

variable "service_catalogue_file" {
  description = "The service catalogue (YAML, key slipway_services): Terraform takes port, health_path, cpu, memory, desired_count and max_count (default 4 x desired_count) of each service. Null: inventories/ENVIRONMENT/group_vars/all/services.yml of this repository."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of every log group of the stack (services, data tier, WAF, functions) and of the CDN access logs, in days."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags applied to every resource (Project, Environment and ManagedBy are added)."
  type        = map(string)
  default     = {}
}

variable "network" {
  description = "modules/network: VPC CIDR, availability zones, NAT gateways (one per zone, or a single shared one), VPC flow logs and VPC endpoints."
  type = object({
    cidr                 = optional(string, "10.0.0.0/16")
    az_count             = optional(number, 2)
    enable_nat_gateway   = optional(bool, true)
    single_nat_gateway   = optional(bool, false)
    enable_flow_logs     = optional(bool, true)
    enable_vpc_endpoints = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "security" {
  description = "modules/security: the IPv4 CIDR blocks allowed to reach the ALB listeners."
  type = object({
    alb_ingress_cidr_blocks = list(string)
  })
}

variable "ecr" {
  description = "modules/ecr: force_delete allows destroying repositories that hold images; customer_managed_key encrypts them with the stack's artifacts key (false: AES256; changing it replaces the repositories)."
  type = object({
    force_delete         = optional(bool, false)
    customer_managed_key = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "ecs" {
  description = "modules/ecs: first image tag, ALB and listeners (production HTTPS 443 with certificate_arn, or HTTP; the test listener), Container Insights, Cloud Map discovery, HTTP-to-HTTPS redirect and auto scaling."
  type = object({
    initial_image_tag               = optional(string, "1.0.0")
    container_insights              = optional(string, "enabled")
    alb_deletion_protection         = optional(bool, true)
    prod_listener_protocol          = optional(string, "HTTPS")
    prod_listener_port              = optional(number, 443)
    certificate_arn                 = optional(string)
    test_listener_port              = optional(number, 9000)
    deregistration_delay_seconds    = optional(number, 15)
    enable_http_redirect            = optional(bool, true)
    enable_service_discovery        = optional(bool, true)
    service_discovery_namespace     = optional(string)
    enable_autoscaling              = optional(bool, true)
    autoscaling_cpu_target          = optional(number, 60)
    autoscaling_memory_target       = optional(number, 75)
    autoscaling_requests_per_target = optional(number, 1000)
  })
  default  = {}
  nullable = false
}

variable "observability" {
  description = "modules/observability: alarm transitions to the release topic, the X-Ray sampling rule and the subscriptions of the critical/warning alert topics (by key: severity, protocol, endpoint)."
  type = object({
    alarm_notifications       = optional(bool, true)
    enable_xray_sampling_rule = optional(bool, true)
    alert_subscriptions = optional(map(object({
      severity = string
      protocol = string
      endpoint = string
    })), {})
  })
  default  = {}
  nullable = false
}

variable "deployments" {
  description = "modules/deployments: deletion protection and point-in-time recovery of the deployment table."
  type = object({
    deletion_protection    = optional(bool, true)
    point_in_time_recovery = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "kms" {
  description = "modules/kms: one customer-managed key per data class (logs, data, secrets, artifacts, backup) encrypts what the stack stores; override_key_arn, when given, is used for every class instead. deletion_window_days: 7-30."
  type = object({
    deletion_window_days = optional(number, 30)
    override_key_arn     = optional(string)
  })
  default  = {}
  nullable = false
}

variable "artifacts" {
  description = "modules/artifacts: the build-artifact bucket (SSE-KMS with the artifacts key), its access logging and how long replaced versions are kept (noncurrent_versions_to_keep 0: age rule only)."
  type = object({
    enabled                            = optional(bool, true)
    force_destroy                      = optional(bool, false)
    access_log_bucket                  = optional(string)
    noncurrent_version_expiration_days = optional(number, 90)
    noncurrent_versions_to_keep        = optional(number, 3)
  })
  default  = {}
  nullable = false
}

variable "secrets" {
  description = "modules/secrets: database user secrets (PROJECT/ENVIRONMENT/SERVICE/NAME), database connection settings and other Parameter Store entries (SERVICE/PATH), their rotation, and the recovery window of every secret of the stack (0 deletes at once). See modules/secrets for the fields."
  type = object({
    database_credentials = optional(map(object({
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
    })), {})
    database_connections = optional(map(object({
      service        = string
      host           = string
      port           = number
      dbname         = string
      proxy_endpoint = optional(string)
      url_scheme     = optional(string, "jdbc:postgresql")
    })), {})
    app_parameters = optional(map(object({
      value       = string
      secure      = optional(bool, true)
      description = optional(string)
    })), {})
    enable_rotation      = optional(bool, true)
    rotation_lambda_arn  = optional(string)
    rotation_days        = optional(number, 30)
    recovery_window_days = optional(number, 30)
  })
  default  = {}
  nullable = false
}

variable "iam" {
  description = "modules/iam: per service (keys of the catalogue) the queues, buckets and keys its task role may use; GitHub Actions OIDC plan/apply roles; the state backend they use (bootstrap outputs); cross-account deploy roles. See modules/iam for the fields."
  type = object({
    service_access = optional(map(object({
      queue_arns            = optional(list(string), [])
      bucket_arns           = optional(list(string), [])
      read_only_bucket_arns = optional(list(string), [])
      kms_key_arns          = optional(list(string), [])
    })), {})
    enable_github_oidc                 = optional(bool, false)
    create_github_oidc_provider        = optional(bool, true)
    github_oidc_provider_arn           = optional(string)
    github_org                         = optional(string, "slipway")
    github_repositories                = optional(list(string), [])
    github_plan_branches               = optional(list(string), ["main"])
    github_apply_environment           = optional(string)
    github_apply_role_managed_policies = optional(list(string), ["PowerUserAccess"])
    terraform_state = optional(object({
      bucket_arn     = string
      key_prefix     = string
      lock_table_arn = optional(string)
      kms_key_arn    = optional(string)
    }))
    cross_account_roles = optional(map(object({
      trusted_account_ids = list(string)
      external_id         = string
      policy_arns         = optional(list(string), [])
      inline_policy_json  = optional(string)
    })), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for svc, _ in var.iam.service_access : contains(keys(local.services), svc)])
    error_message = "iam.service_access keys must be services of the catalogue."
  }
}

variable "governance" {
  description = "modules/governance: the monthly cost budget and its alerts, required tags, AWS Config rules (the account needs a recorder), Organizations tag policy and SCPs (management account only) and the regions the region SCP allows (empty: the stack's region)."
  type = object({
    enable_budgets                = optional(bool, true)
    monthly_budget_usd            = optional(number, 1000)
    budget_alert_emails           = optional(list(string), [])
    budget_alert_sns_topic_arns   = optional(list(string), [])
    required_tags                 = optional(list(string), ["Project", "Environment", "ManagedBy"])
    enable_config_rules           = optional(bool, false)
    enable_organizations_policies = optional(bool, false)
    organizations_target_ids      = optional(list(string), [])
    allowed_regions               = optional(list(string), [])
  })
  default  = {}
  nullable = false
}

variable "data" {
  description = "modules/data: RDS PostgreSQL (Multi-AZ, encrypted, IAM auth) with RDS Proxy, and ElastiCache Redis, in the isolated data subnets."
  type = object({
    enable_postgres         = optional(bool, true)
    enable_proxy            = optional(bool, true)
    enable_redis            = optional(bool, true)
    postgres_engine_version = optional(string, "16")
    instance_class          = optional(string, "db.t4g.medium")
    multi_az                = optional(bool, true)
    backup_retention_days   = optional(number, 14)
    deletion_protection     = optional(bool, true)
    redis_node_type         = optional(string, "cache.t4g.small")
    apply_immediately       = optional(bool, false)
  })
  default  = {}
  nullable = false
}

variable "cdn" {
  description = "modules/cdn: the static-site S3 buckets and, with enable_cloudfront, the CloudFront distribution (WAF web ACL with enable_waf, aliases with certificate_arn in us-east-1, origin failover to secondary_origin_domain_name)."
  type = object({
    enabled                      = optional(bool, true)
    enable_cloudfront            = optional(bool, true)
    enable_waf                   = optional(bool, true)
    certificate_arn              = optional(string)
    aliases                      = optional(list(string), [])
    secondary_origin_domain_name = optional(string)
    wait_for_deployment          = optional(bool, true)
    force_destroy                = optional(bool, false)
  })
  default  = {}
  nullable = false
}

variable "messaging" {
  description = "modules/messaging: SQS queues with DLQs, the integration EventBridge bus and its rules (a queue or function target each), the integration Lambdas (code in lambdas/KEY/, zip built by tools/package-lambdas) and the redrive-allow policy of the DLQs (restrict_dlq_sources)."
  type = object({
    enabled = optional(bool, true)
    queues = optional(map(object({
      visibility_timeout_seconds = optional(number, 60)
      message_retention_seconds  = optional(number, 345600)
      dlq_retention_seconds      = optional(number, 1209600)
      max_receive_count          = optional(number, 5)
      receive_wait_time_seconds  = optional(number, 20)
      })), {
      notifications      = {}
      integration-events = {}
    })
    event_rules = optional(map(object({
      description   = string
      event_pattern = string
      queue         = optional(string)
      function      = optional(string)
      })), {
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
    })
    enable_functions = optional(bool, true)
    functions = optional(map(object({
      description          = string
      handler              = optional(string, "handler.handler")
      memory_size          = optional(number, 128)
      timeout_seconds      = optional(number, 10)
      reserved_concurrency = optional(number, -1)
      target_queue         = optional(string)
      environment          = optional(map(string), {})
      })), {
      event_forwarder = {
        description  = "Validates third-party EventBridge events and forwards them to the notifications queue"
        target_queue = "notifications"
        environment = {
          ALLOWED_SOURCES = "partner."
        }
      }
    })
    restrict_dlq_sources = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "backup" {
  description = "modules/backup: AWS Backup vault and daily/weekly plan, the selection of resources tagged Backup=true, copies to a DR vault, and S3 replication of the CDN site bucket to a DR bucket."
  type = object({
    enabled                               = optional(bool, true)
    enable_selection                      = optional(bool, true)
    daily_retention_days                  = optional(number, 35)
    copy_destination_vault_arn            = optional(string)
    s3_replication_destination_bucket_arn = optional(string)
    force_destroy                         = optional(bool, false)
  })
  default  = {}
  nullable = false
}
