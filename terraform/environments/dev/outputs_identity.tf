# Identity, encryption and governance (modules/stack/identity.tf). Informational:
# the release reads none of them (docs/contract.md).

output "identity" {
  description = "KMS keys per data class, GitHub OIDC and cross-account roles, artifact bucket, database secrets and parameters."
  value       = module.stack.identity
}

output "governance" {
  description = "Budget, required tags, Config rules, and the Organizations tag policy and SCP documents."
  value       = module.stack.governance
}
