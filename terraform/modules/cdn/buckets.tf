data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  site_bucket = "${var.name}-site-${local.account_id}"
  logs_bucket = "${var.name}-cdn-logs-${local.account_id}"
  site_kms    = var.site_kms_key_arn != null
}

# --- site bucket -----------------------------------------------------------------------

resource "aws_s3_bucket" "site" {
  #checkov:skip=CKV_AWS_144:The site is rebuilt from the repository by CI; cross-region copies are the optional secondary_origin, replicated by the backup module when wanted.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events of the static site; deployments invalidate CloudFront directly.
  #checkov:skip=CKV_AWS_145:SSE-KMS is used when site_kms_key_arn is set; the default SSE-S3 needs no CloudFront grant in a key policy this module does not own.
  bucket        = local.site_bucket
  force_destroy = var.force_destroy

  tags = merge(var.tags, { Name = local.site_bucket })
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket = aws_s3_bucket.site.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "site" {
  bucket = aws_s3_bucket.site.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.site_kms ? "aws:kms" : "AES256"
      kms_master_key_id = var.site_kms_key_arn
    }
    bucket_key_enabled = local.site_kms
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 90
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.site]
}

resource "aws_s3_bucket_logging" "site" {
  count = var.enable_access_logs ? 1 : 0

  bucket        = aws_s3_bucket.site.id
  target_bucket = aws_s3_bucket.logs[0].id
  target_prefix = "s3/${local.site_bucket}/"

  # S3 checks the target bucket's policy grants log delivery when logging is set.
  depends_on = [aws_s3_bucket_policy.logs]
}

data "aws_iam_policy_document" "site" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.site.arn, "${aws_s3_bucket.site.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Readers come only through this distribution's origin access control.
  dynamic "statement" {
    for_each = var.enable_cloudfront ? [1] : []
    content {
      sid     = "AllowCloudFrontOriginAccessControl"
      actions = ["s3:GetObject"]
      principals {
        type        = "Service"
        identifiers = ["cloudfront.amazonaws.com"]
      }
      resources = ["${aws_s3_bucket.site.arn}/*"]
      condition {
        test     = "StringEquals"
        variable = "AWS:SourceArn"
        values   = [aws_cloudfront_distribution.this[0].arn]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.site.json

  depends_on = [aws_s3_bucket_public_access_block.site]
}

# --- log bucket --------------------------------------------------------------------------
# CloudFront standard logs are delivered with ACLs (awslogsdelivery), so this
# bucket keeps ACLs enabled (BucketOwnerPreferred) and uses SSE-S3, which log
# delivery supports without key-policy grants.

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log bucket; logging it into itself would loop.
  #checkov:skip=CKV_AWS_144:Access logs are kept in-region for their retention only.
  #checkov:skip=CKV2_AWS_62:Nothing consumes log-object events.
  #checkov:skip=CKV_AWS_145:CloudFront standard log delivery needs SSE-S3; SSE-KMS would need grants to the log-delivery service.
  count = var.enable_access_logs ? 1 : 0

  bucket        = local.logs_bucket
  force_destroy = var.force_destroy

  tags = merge(var.tags, { Name = local.logs_bucket })
}

resource "aws_s3_bucket_public_access_block" "logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  #checkov:skip=CKV2_AWS_65:CloudFront standard logging writes through bucket ACLs, so ACLs stay enabled on the log bucket.
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

data "aws_iam_policy_document" "logs" {
  count = var.enable_access_logs ? 1 : 0

  # First: S3 (and the emulator) look for the log-delivery grant of exactly
  # the target prefix.
  statement {
    sid     = "AllowS3ServerAccessLogs"
    actions = ["s3:PutObject"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    resources = ["${aws_s3_bucket.logs[0].arn}/s3/${local.site_bucket}/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.site.arn]
    }
  }

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.logs[0].arn, "${aws_s3_bucket.logs[0].arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  count = var.enable_access_logs ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id
  policy = data.aws_iam_policy_document.logs[0].json

  depends_on = [aws_s3_bucket_public_access_block.logs]
}
