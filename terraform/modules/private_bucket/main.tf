# A private, versioned, encrypted bucket: public access blocked, ACLs off
# (unless a log bucket needs them), a bucket policy that refuses plain HTTP and
# TLS below 1.2 merged with the caller's statements, and optionally one
# lifecycle rule and server access logging.

locals {
  sse_algorithm = var.sse_algorithm != null ? var.sse_algorithm : (var.kms_key_arn != null ? "aws:kms" : "AES256")
  sse_kms       = local.sse_algorithm == "aws:kms"
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_19:Default encryption is always set (aws_s3_bucket_server_side_encryption_configuration.this below); checkov cannot resolve the algorithm when the key ARN comes from another module.
  #checkov:skip=CKV_AWS_145:SSE-KMS whenever the caller gives a key or sse_algorithm = aws:kms (artifacts, state); SSE-S3 only where the reader cannot be granted a key (CloudFront log delivery, an OAC site without a key).
  #checkov:skip=CKV_AWS_144:Cross-region copies are the caller's choice (the backup module replicates the CDN site bucket when a destination is given); state and artifacts are rebuilt or versioned in-region.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events of these buckets.
  bucket        = var.name
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = var.object_ownership
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = local.sse_kms ? var.kms_key_arn : null
    }
    bucket_key_enabled = local.sse_kms
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = var.lifecycle_rule == null ? 0 : 1

  bucket = aws_s3_bucket.this.id

  rule {
    id     = var.lifecycle_rule.id
    status = "Enabled"

    filter {}

    dynamic "expiration" {
      for_each = var.lifecycle_rule.expiration_days == null ? [] : [var.lifecycle_rule.expiration_days]
      content {
        days = expiration.value
      }
    }

    dynamic "noncurrent_version_expiration" {
      for_each = var.lifecycle_rule.noncurrent_version_expiration_days == null ? [] : [var.lifecycle_rule]
      content {
        noncurrent_days           = noncurrent_version_expiration.value.noncurrent_version_expiration_days
        newer_noncurrent_versions = noncurrent_version_expiration.value.newer_noncurrent_versions
      }
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.lifecycle_rule.abort_incomplete_multipart_days
    }
  }

  # Lifecycle rules on an unversioned bucket would not see noncurrent versions.
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_logging == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_logging.target_bucket
  target_prefix = coalesce(var.access_logging.target_prefix, "s3/${var.name}/")
}

data "aws_iam_policy_document" "this" {
  # The caller's statements first: S3 (and the emulator) look for a
  # log-delivery grant before any deny.
  source_policy_documents = var.policy_documents

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOutdatedTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json

  # A bucket policy is only accepted once public policies are blocked as intended.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
