# Encryption keys, IAM, build artifacts, secrets and governance.
#
# The ECS execution role and the task roles stay in modules/ecs (their trust,
# image pull and log permissions belong with the task definitions); modules/iam
# attaches what the containers may read and use to them.

locals {
  # Role names from the ARNs the ecs module outputs (roles live at path /).
  execution_role_name = regex("[^/]+$", module.ecs.execution_role_arn)
  task_role_names     = { for svc, s in module.ecs.services : svc => regex("[^/]+$", s.task_role_arn) }
}

module "kms" {
  source = "../kms"

  project                 = var.project
  environment             = var.environment
  deletion_window_in_days = var.kms_deletion_window_days
  tags                    = local.tags
}

module "iam" {
  source = "../iam"

  project     = var.project
  environment = var.environment

  ecs_execution_role = { name = local.execution_role_name }
  ecs_task_roles = {
    for svc, _ in var.services : svc => merge(
      { name = local.task_role_names[svc] },
      try(var.service_access[svc], {}),
    )
  }
  secrets_kms_key_arn = module.kms.key_arns["secrets"]

  enable_github_oidc          = var.enable_github_oidc
  create_github_oidc_provider = var.create_github_oidc_provider
  github_oidc_provider_arn    = var.github_oidc_provider_arn
  github_org                  = var.github_org
  github_repositories         = var.github_repositories
  github_plan_branches        = var.github_plan_branches
  github_apply_environment    = var.github_apply_environment
  apply_role_managed_policies = var.github_apply_role_managed_policies
  terraform_state             = var.terraform_state

  cross_account_roles = var.cross_account_roles

  tags = local.tags
}

module "artifacts" {
  source = "../artifacts"
  count  = var.enable_artifacts_bucket ? 1 : 0

  project                            = var.project
  environment                        = var.environment
  kms_key_arn                        = module.kms.key_arns["artifacts"]
  access_log_bucket                  = var.artifacts_access_log_bucket
  noncurrent_version_expiration_days = var.artifacts_noncurrent_version_expiration_days
  noncurrent_versions_to_keep        = var.artifacts_noncurrent_versions_to_keep
  force_destroy                      = var.artifacts_force_destroy
  tags                               = local.tags
}

module "secrets" {
  source = "../secrets"

  project                 = var.project
  environment             = var.environment
  kms_key_arn             = module.kms.key_arns["secrets"]
  database_credentials    = var.database_credentials
  enable_rotation         = var.enable_secret_rotation
  rotation_lambda_arn     = var.secret_rotation_lambda_arn
  rotation_days           = var.secret_rotation_days
  recovery_window_in_days = var.secret_recovery_window_days
  database_connections    = var.database_connections
  parameters              = var.app_parameters
  tags                    = local.tags
}

module "governance" {
  source = "../governance"

  project                       = var.project
  environment                   = var.environment
  enable_budgets                = var.enable_budgets
  monthly_budget_usd            = var.monthly_budget_usd
  budget_alert_emails           = var.budget_alert_emails
  budget_alert_sns_topic_arns   = var.budget_alert_sns_topic_arns
  required_tags                 = var.required_tags
  enable_config_rules           = var.enable_config_rules
  enable_organizations_policies = var.enable_organizations_policies
  organizations_target_ids      = var.organizations_target_ids
  allowed_regions               = length(var.allowed_regions) > 0 ? var.allowed_regions : [data.aws_region.current.name]
  tags                          = local.tags
}
