output "budget_name" {
  description = "Name of the monthly cost budget (null when budgets are off)."
  value       = try(aws_budgets_budget.monthly[0].name, null)
}

output "budget_alerts_active" {
  description = "Whether the budget has subscribers, i.e. its thresholds alert someone."
  value       = var.enable_budgets && local.budget_subscribed
}

output "required_tags" {
  description = "Tag keys every resource must carry."
  value       = var.required_tags
}

output "tag_policy_json" {
  description = "AWS Organizations tag policy document for the required tags."
  value       = jsonencode(local.tag_policy)
}

output "service_control_policies" {
  description = "Service control policy documents (JSON) by name: deny-leave-organization, protect-cloudtrail-and-config, deny-other-regions, deny-unencrypted-s3-puts."
  value       = local.scps
}

output "config_rule_names" {
  description = "Names of the AWS Config rules (empty when config rules are off)."
  value       = [for rule in aws_config_config_rule.this : rule.name]
}

output "organizations_policy_ids" {
  description = "IDs of the Organizations policies by name (empty unless enable_organizations_policies)."
  value       = { for name, p in aws_organizations_policy.this : name => p.id }
}
