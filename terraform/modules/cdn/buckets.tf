data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  site_bucket = "${var.name}-site-${local.account_id}"
  logs_bucket = "${var.name}-cdn-logs-${local.account_id}"
  logs_arn    = "arn:${data.aws_partition.current.partition}:s3:::${local.logs_bucket}"
  site_kms    = var.site_kms_key_arn != null
}

# --- site bucket -----------------------------------------------------------------------
# SSE-S3 unless site_kms_key_arn is given: CloudFront (OAC) reads SSE-S3 objects
# without a grant in a key policy this module does not own.

module "site_bucket" {
  source = "../private_bucket"

  name          = local.site_bucket
  kms_key_arn   = var.site_kms_key_arn
  force_destroy = var.force_destroy

  policy_documents = data.aws_iam_policy_document.site[*].json

  lifecycle_rule = {
    id                                 = "expire-old-versions"
    noncurrent_version_expiration_days = 90
  }

  # The log bucket's policy must admit the delivery before logging is set:
  # configured_name is known only once that policy is in place.
  access_logging = var.enable_access_logs ? { target_bucket = module.log_bucket[0].configured_name } : null

  tags = merge(var.tags, { Name = local.site_bucket })
}

# Readers come only through this distribution's origin access control.
data "aws_iam_policy_document" "site" {
  count = var.enable_cloudfront ? 1 : 0

  statement {
    sid     = "AllowCloudFrontOriginAccessControl"
    actions = ["s3:GetObject"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    resources = ["${module.site_bucket.arn}/*"]
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.this[0].arn]
    }
  }

  # The publisher's records (release manifests, the live pointer, the invalidation
  # history) are for the deploy role, not for viewers.
  statement {
    sid       = "DenyCloudFrontSlipwayRecords"
    effect    = "Deny"
    actions   = ["s3:GetObject"]
    resources = ["${module.site_bucket.arn}/_slipway/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
  }
}

# --- log bucket --------------------------------------------------------------------------
# CloudFront standard logs are delivered with ACLs (awslogsdelivery), so this
# bucket keeps ACLs enabled (BucketOwnerPreferred) and uses SSE-S3, which log
# delivery supports without key-policy grants. No access logging of its own:
# logging the log bucket into itself would loop.

module "log_bucket" {
  source = "../private_bucket"
  count  = var.enable_access_logs ? 1 : 0

  name             = local.logs_bucket
  object_ownership = "BucketOwnerPreferred"
  force_destroy    = var.force_destroy

  policy_documents = [data.aws_iam_policy_document.logs[0].json]

  lifecycle_rule = {
    id                                 = "expire-logs"
    expiration_days                    = var.log_retention_days
    noncurrent_version_expiration_days = 7
    abort_incomplete_multipart_days    = 1
  }

  tags = merge(var.tags, { Name = local.logs_bucket })
}

# S3 (and the emulator) look for the log-delivery grant of exactly the target
# prefix; private_bucket puts these statements before its TLS-only denies.
data "aws_iam_policy_document" "logs" {
  count = var.enable_access_logs ? 1 : 0

  statement {
    sid     = "AllowS3ServerAccessLogs"
    actions = ["s3:PutObject"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    resources = ["${local.logs_arn}/s3/${local.site_bucket}/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [module.site_bucket.arn]
    }
  }
}

# --- the bucket recipe moved into modules/private_bucket ------------------------------------

moved {
  from = aws_s3_bucket.site
  to   = module.site_bucket.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.site
  to   = module.site_bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.site
  to   = module.site_bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.site
  to   = module.site_bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.site
  to   = module.site_bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.site
  to   = module.site_bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_logging.site
  to   = module.site_bucket.aws_s3_bucket_logging.this
}

moved {
  from = aws_s3_bucket_policy.site
  to   = module.site_bucket.aws_s3_bucket_policy.this
}

moved {
  from = aws_s3_bucket.logs[0]
  to   = module.log_bucket[0].aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.logs[0]
  to   = module.log_bucket[0].aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.logs[0]
  to   = module.log_bucket[0].aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.logs[0]
  to   = module.log_bucket[0].aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs[0]
  to   = module.log_bucket[0].aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.logs[0]
  to   = module.log_bucket[0].aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_policy.logs[0]
  to   = module.log_bucket[0].aws_s3_bucket_policy.this
}
