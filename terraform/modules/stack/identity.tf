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
  deletion_window_in_days = var.kms.deletion_window_days
  tags                    = local.tags
}

module "iam" {
  source = "../iam"

  project     = var.project
  environment = var.environment

  ecs_execution_role = { name = local.execution_role_name }
  ecs_task_roles = {
    for svc, _ in local.services : svc => merge(
      { name = local.task_role_names[svc] },
      try(var.iam.service_access[svc], {}),
    )
  }
  secrets_kms_key_arn = module.kms.key_arns["secrets"]

  enable_github_oidc          = var.iam.enable_github_oidc
  create_github_oidc_provider = var.iam.create_github_oidc_provider
  github_oidc_provider_arn    = var.iam.github_oidc_provider_arn
  github_org                  = var.iam.github_org
  github_repositories         = var.iam.github_repositories
  github_plan_branches        = var.iam.github_plan_branches
  github_apply_environment    = var.iam.github_apply_environment
  apply_role_managed_policies = var.iam.github_apply_role_managed_policies
  terraform_state             = var.iam.terraform_state

  cross_account_roles = var.iam.cross_account_roles

  tags = local.tags
}

module "artifacts" {
  source = "../artifacts"
  count  = var.artifacts.enabled ? 1 : 0

  project                            = var.project
  environment                        = var.environment
  kms_key_arn                        = module.kms.key_arns["artifacts"]
  access_log_bucket                  = var.artifacts.access_log_bucket
  noncurrent_version_expiration_days = var.artifacts.noncurrent_version_expiration_days
  noncurrent_versions_to_keep        = var.artifacts.noncurrent_versions_to_keep
  force_destroy                      = var.artifacts.force_destroy
  tags                               = local.tags
}

module "secrets" {
  source = "../secrets"

  project                 = var.project
  environment             = var.environment
  kms_key_arn             = module.kms.key_arns["secrets"]
  database_credentials    = var.secrets.database_credentials
  enable_rotation         = var.secrets.enable_rotation
  rotation_lambda_arn     = var.secrets.rotation_lambda_arn
  rotation_days           = var.secrets.rotation_days
  recovery_window_in_days = var.secrets.recovery_window_days
  database_connections    = var.secrets.database_connections
  parameters              = var.secrets.app_parameters
  tags                    = local.tags
}

module "governance" {
  source = "../governance"

  project                       = var.project
  environment                   = var.environment
  enable_budgets                = var.governance.enable_budgets
  monthly_budget_usd            = var.governance.monthly_budget_usd
  budget_alert_emails           = var.governance.budget_alert_emails
  budget_alert_sns_topic_arns   = var.governance.budget_alert_sns_topic_arns
  required_tags                 = var.governance.required_tags
  enable_config_rules           = var.governance.enable_config_rules
  enable_organizations_policies = var.governance.enable_organizations_policies
  organizations_target_ids      = var.governance.organizations_target_ids
  allowed_regions               = length(var.governance.allowed_regions) > 0 ? var.governance.allowed_regions : [data.aws_region.current.name]
  tags                          = local.tags
}
