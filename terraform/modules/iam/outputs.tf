output "github_oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider the roles trust (null when GitHub OIDC is off)."
  value       = local.github_provider_arn
}

output "github_plan_role_arn" {
  description = "ARN of the read-only plan role for GitHub Actions (null when GitHub OIDC is off)."
  value       = try(aws_iam_role.github_plan[0].arn, null)
}

output "github_apply_role_arn" {
  description = "ARN of the apply role, assumable only from the protected GitHub environment (null when GitHub OIDC is off)."
  value       = try(aws_iam_role.github_apply[0].arn, null)
}

output "github_apply_environment" {
  description = "The GitHub environment the apply role trusts."
  value       = local.github_apply_env
}

output "cross_account_role_arns" {
  description = "ARN of each cross-account deploy role, by name."
  value       = { for name, role in aws_iam_role.cross_account : name => role.arn }
}

output "task_role_policy_names" {
  description = "Per service the name of the inline policy attached to its task role."
  value       = { for svc, p in aws_iam_role_policy.task : svc => p.name }
}
