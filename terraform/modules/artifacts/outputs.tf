output "bucket_name" {
  description = "Name of the artifact bucket."
  value       = module.bucket.name
}

output "bucket_arn" {
  description = "ARN of the artifact bucket."
  value       = module.bucket.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the artifact bucket."
  value       = module.bucket.bucket_regional_domain_name
}
