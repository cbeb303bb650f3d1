locals {
  replication = var.enable_s3_replication ? var.replication_buckets : {}

  rules = {
    daily  = { schedule = var.daily_schedule, retention = var.daily_retention_days }
    weekly = { schedule = var.weekly_schedule, retention = var.weekly_retention_days }
  }
}

# --- AWS Backup ---------------------------------------------------------------------------

resource "aws_backup_vault" "this" {
  #checkov:skip=CKV_AWS_166:The vault uses kms_key_arn when given (the stack passes the platform key); null falls back to aws/backup, still encrypted.
  count = var.enable_backup ? 1 : 0

  name          = "${var.name}-vault"
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_backup_plan" "this" {
  count = var.enable_backup ? 1 : 0

  name = "${var.name}-plan"

  dynamic "rule" {
    for_each = local.rules
    content {
      rule_name                = rule.key
      target_vault_name        = aws_backup_vault.this[0].name
      schedule                 = rule.value.schedule
      start_window             = 60
      completion_window        = 360
      enable_continuous_backup = false

      lifecycle {
        delete_after = rule.value.retention
      }

      dynamic "copy_action" {
        for_each = var.copy_destination_vault_arn == null ? [] : [var.copy_destination_vault_arn]
        content {
          destination_vault_arn = copy_action.value
          lifecycle {
            delete_after = var.copy_retention_days
          }
        }
      }

      recovery_point_tags = merge(var.tags, { BackupRule = rule.key })
    }
  }

  tags = var.tags
}

data "aws_iam_policy_document" "backup_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  count = var.enable_backup && var.enable_selection ? 1 : 0

  name               = "${var.name}-backup"
  assume_role_policy = data.aws_iam_policy_document.backup_assume.json

  tags = var.tags
}

# The AWS-maintained service policies: they track every resource type AWS
# Backup supports, which a hand-written policy would lag behind.
resource "aws_iam_role_policy_attachment" "backup" {
  for_each = var.enable_backup && var.enable_selection ? toset([
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  ]) : toset([])

  role       = aws_iam_role.backup[0].name
  policy_arn = each.value
}

resource "aws_backup_selection" "this" {
  count = var.enable_backup && var.enable_selection ? 1 : 0

  name         = "${var.name}-by-tag"
  plan_id      = aws_backup_plan.this[0].id
  iam_role_arn = aws_iam_role.backup[0].arn

  selection_tag {
    type  = "STRINGEQUALS"
    key   = var.selection_tag.key
    value = var.selection_tag.value
  }

  depends_on = [aws_iam_role_policy_attachment.backup]
}

# --- S3 cross-region replication ------------------------------------------------------------

data "aws_iam_policy_document" "replication_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "replication" {
  count = length(local.replication) > 0 ? 1 : 0

  name               = "${var.name}-s3-replication"
  assume_role_policy = data.aws_iam_policy_document.replication_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "replication" {
  count = length(local.replication) > 0 ? 1 : 0

  statement {
    sid       = "ReadSourceConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [for b in local.replication : b.source_bucket_arn]
  }

  statement {
    sid = "ReadSourceVersions"
    actions = [
      "s3:GetObjectVersionForReplication",
      "s3:GetObjectVersionAcl",
      "s3:GetObjectVersionTagging",
    ]
    resources = [for b in local.replication : "${b.source_bucket_arn}/*"]
  }

  statement {
    sid       = "WriteReplicas"
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = [for b in local.replication : "${b.destination_bucket_arn}/*"]
  }

  dynamic "statement" {
    for_each = length(compact([for b in local.replication : b.source_kms_key_arn])) > 0 ? [1] : []
    content {
      sid       = "DecryptSource"
      actions   = ["kms:Decrypt"]
      resources = distinct(compact([for b in local.replication : b.source_kms_key_arn]))
    }
  }

  dynamic "statement" {
    for_each = length(compact([for b in local.replication : b.destination_kms_key_arn])) > 0 ? [1] : []
    content {
      sid       = "EncryptReplicas"
      actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
      resources = distinct(compact([for b in local.replication : b.destination_kms_key_arn]))
    }
  }
}

resource "aws_iam_role_policy" "replication" {
  count = length(local.replication) > 0 ? 1 : 0

  name   = "replicate-critical-buckets"
  role   = aws_iam_role.replication[0].id
  policy = data.aws_iam_policy_document.replication[0].json
}

resource "aws_s3_bucket_replication_configuration" "this" {
  for_each = local.replication

  bucket = each.value.source_bucket_name
  role   = aws_iam_role.replication[0].arn

  rule {
    id     = "replicate-all"
    status = "Enabled"

    filter {}

    delete_marker_replication {
      status = "Enabled"
    }

    dynamic "source_selection_criteria" {
      for_each = each.value.source_kms_key_arn == null ? [] : [1]
      content {
        sse_kms_encrypted_objects {
          status = "Enabled"
        }
      }
    }

    destination {
      bucket        = each.value.destination_bucket_arn
      storage_class = each.value.storage_class

      dynamic "encryption_configuration" {
        for_each = each.value.destination_kms_key_arn == null ? [] : [each.value.destination_kms_key_arn]
        content {
          replica_kms_key_id = encryption_configuration.value
        }
      }
    }
  }

  depends_on = [aws_iam_role_policy.replication]
}
