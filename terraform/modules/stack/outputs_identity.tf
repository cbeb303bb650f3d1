# Informational outputs of identity.tf; the release reads none of them.

output "identity" {
  description = "Keys, roles, artifact bucket, secrets and parameters of the environment."
  value = {
    kms_keys                 = module.kms.keys
    github_oidc_provider_arn = module.iam.github_oidc_provider_arn
    github_plan_role_arn     = module.iam.github_plan_role_arn
    github_apply_role_arn    = module.iam.github_apply_role_arn
    github_apply_environment = module.iam.github_apply_environment
    cross_account_role_arns  = module.iam.cross_account_role_arns
    artifacts_bucket_name    = try(module.artifacts[0].bucket_name, null)
    artifacts_bucket_arn     = try(module.artifacts[0].bucket_arn, null)
    database_secret_arns     = module.secrets.database_secret_arns
    parameter_names          = module.secrets.parameter_names
    secret_rotation_enabled  = module.secrets.rotation_enabled
  }
}

output "governance" {
  description = "Budget, required tags, Config rules, and the tag policy and SCP documents."
  value = {
    budget_name              = module.governance.budget_name
    budget_alerts_active     = module.governance.budget_alerts_active
    required_tags            = module.governance.required_tags
    config_rule_names        = module.governance.config_rule_names
    tag_policy_json          = module.governance.tag_policy_json
    service_control_policies = module.governance.service_control_policies
    organizations_policy_ids = module.governance.organizations_policy_ids
  }
}
