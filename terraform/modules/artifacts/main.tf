data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  bucket_name = coalesce(var.bucket_name, "${var.project}-${var.environment}-artifacts-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.name}")
}

module "bucket" {
  source = "../private_bucket"

  name          = local.bucket_name
  sse_algorithm = "aws:kms" # the given key, or the AWS-managed aws/s3 key
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy

  lifecycle_rule = {
    id                                 = "expire-noncurrent-versions"
    noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
    newer_noncurrent_versions          = var.noncurrent_versions_to_keep > 0 ? var.noncurrent_versions_to_keep : null
    expiration_days                    = var.current_version_expiration_days
    abort_incomplete_multipart_days    = var.abort_incomplete_multipart_days
  }

  access_logging = var.access_log_bucket == null ? null : {
    target_bucket = var.access_log_bucket
    target_prefix = var.access_log_prefix
  }

  tags = merge(var.tags, { DataClass = "artifacts" })
}

# The bucket recipe moved into modules/private_bucket.
moved {
  from = aws_s3_bucket.this
  to   = module.bucket.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.this
  to   = module.bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.this
  to   = module.bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.this
  to   = module.bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.this
  to   = module.bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.this
  to   = module.bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_logging.this
  to   = module.bucket.aws_s3_bucket_logging.this
}

moved {
  from = aws_s3_bucket_policy.this
  to   = module.bucket.aws_s3_bucket_policy.this
}
