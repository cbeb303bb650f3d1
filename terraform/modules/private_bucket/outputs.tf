output "name" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_domain_name" {
  description = "Global domain name of the bucket (CloudFront standard-log target)."
  value       = aws_s3_bucket.this.bucket_domain_name
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket (CloudFront origin)."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "configured_name" {
  description = "Name of the bucket, known only once its ownership controls, encryption and policy are in place: reference it where S3 checks them, e.g. as another bucket's access-log target."
  value       = aws_s3_bucket.this.id

  depends_on = [
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_policy.this,
  ]
}
