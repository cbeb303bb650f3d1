data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  region      = data.aws_region.current.name
  bucket_name = coalesce(var.bucket_name, "${var.project}-tfstate-${local.account_id}-${local.region}")
  table_name  = coalesce(var.lock_table_name, "${var.project}-terraform-locks")
  kms_key_arn = var.kms_key_arn == null ? aws_kms_key.state[0].arn : var.kms_key_arn
}

# --- key -------------------------------------------------------------------------

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's resource "*" is the key itself; the statement only delegates to IAM policies of this account.
  #checkov:skip=CKV_AWS_111:See CKV_AWS_109.
  #checkov:skip=CKV_AWS_356:See CKV_AWS_109.
  statement {
    sid       = "AccountRootDelegatesToIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "${var.project}: Terraform state and locks"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json

  tags = merge(var.tags, { DataClass = "terraform-state" })
}

resource "aws_kms_alias" "state" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${var.project}/terraform-state"
  target_key_id = aws_kms_key.state[0].key_id
}

# --- bucket ----------------------------------------------------------------------

module "bucket" {
  source = "../private_bucket"

  name          = local.bucket_name
  sse_algorithm = "aws:kms"
  kms_key_arn   = local.kms_key_arn
  force_destroy = !var.protect

  lifecycle_rule = {
    id                                 = "expire-old-state-versions"
    noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  }

  access_logging = var.access_log_bucket == null ? null : { target_bucket = var.access_log_bucket }

  tags = merge(var.tags, { DataClass = "terraform-state" })
}

# The bucket recipe moved into modules/private_bucket.
moved {
  from = aws_s3_bucket.state
  to   = module.bucket.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.state
  to   = module.bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.state
  to   = module.bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.state
  to   = module.bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.state
  to   = module.bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.state
  to   = module.bucket.aws_s3_bucket_lifecycle_configuration.this[0]
}

moved {
  from = aws_s3_bucket_logging.state
  to   = module.bucket.aws_s3_bucket_logging.this
}

moved {
  from = aws_s3_bucket_policy.state
  to   = module.bucket.aws_s3_bucket_policy.this
}

# --- lock table --------------------------------------------------------------------

resource "aws_dynamodb_table" "locks" {
  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = var.protect

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = merge(var.tags, { DataClass = "terraform-state" })
}
