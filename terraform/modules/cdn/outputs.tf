output "site_bucket_name" {
  description = "Name of the site bucket (the deployment target of the app's dist/)."
  value       = module.site_bucket.name
}

output "site_bucket_arn" {
  description = "ARN of the site bucket."
  value       = module.site_bucket.arn
}

output "log_bucket_name" {
  description = "Name of the access-log bucket, or null."
  value       = one(module.log_bucket[*].name)
}

output "distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations), or null."
  value       = one(aws_cloudfront_distribution.this[*].id)
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution, or null."
  value       = one(aws_cloudfront_distribution.this[*].arn)
}

output "distribution_domain_name" {
  description = "Domain name of the distribution (*.cloudfront.net), or null."
  value       = one(aws_cloudfront_distribution.this[*].domain_name)
}

output "web_acl_arn" {
  description = "ARN of the WAFv2 web ACL, or null."
  value       = one(aws_wafv2_web_acl.this[*].arn)
}

output "kms_key_policy_statement" {
  description = "Key-policy statement (JSON) the owner of site_kms_key_arn must add so CloudFront (OAC) can decrypt site objects; null with SSE-S3 or without CloudFront."
  value = local.site_kms && var.enable_cloudfront ? jsonencode({
    Sid       = "AllowCloudFrontOacDecrypt"
    Effect    = "Allow"
    Principal = { Service = "cloudfront.amazonaws.com" }
    Action    = ["kms:Decrypt"]
    Resource  = "*"
    Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.this[0].arn } }
  }) : null
}

output "origin_access_policy_json" {
  description = "Bucket-policy statement (JSON) for the secondary origin bucket so this distribution may read it; null without CloudFront."
  value = var.enable_cloudfront ? jsonencode({
    Sid       = "AllowCloudFrontOriginAccessControl"
    Effect    = "Allow"
    Principal = { Service = "cloudfront.amazonaws.com" }
    Action    = "s3:GetObject"
    Resource  = "arn:aws:s3:::SECONDARY_BUCKET/*"
    Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.this[0].arn } }
  }) : null
}
