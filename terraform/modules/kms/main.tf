data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # Full principal names; CloudWatch Logs is the one regional principal.
  principals = {
    for class, key in var.keys : class => [
      for p in key.service_principals : p == "logs" ? "logs.${local.region}.amazonaws.com" : "${p}.amazonaws.com"
    ]
  }
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_109:A key policy's resource is always "*" (the key itself); the root statement only delegates to IAM policies of this account.
  #checkov:skip=CKV_AWS_111:See CKV_AWS_109: "*" in a key policy means this key.
  #checkov:skip=CKV_AWS_356:See CKV_AWS_109: "*" in a key policy means this key.
  for_each = var.keys

  # Without this the key becomes unmanageable; it grants nothing by itself,
  # it lets IAM policies of this account grant access to the key.
  statement {
    sid       = "AccountRootDelegatesToIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = length(var.key_administrator_arns) > 0 ? [1] : []
    content {
      sid = "KeyAdministrators"
      actions = [
        "kms:CancelKeyDeletion", "kms:Create*", "kms:Delete*", "kms:Describe*", "kms:Disable*",
        "kms:Enable*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Revoke*", "kms:ScheduleKeyDeletion",
        "kms:TagResource", "kms:UntagResource", "kms:Update*",
      ]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = var.key_administrator_arns
      }
    }
  }

  # CloudWatch Logs: only for log groups of this account and region.
  dynamic "statement" {
    for_each = contains(var.keys[each.key].service_principals, "logs") ? [1] : []
    content {
      sid       = "CloudWatchLogs"
      actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = ["logs.${local.region}.amazonaws.com"]
      }
      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
      }
    }
  }

  # Other services acting on their own behalf, only for this account.
  dynamic "statement" {
    for_each = [for p in local.principals[each.key] : p if !startswith(p, "logs.")]
    content {
      sid       = "Service${replace(title(replace(split(".", statement.value)[0], "-", " ")), " ", "")}"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = [statement.value]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  for_each = var.keys

  description             = "${var.project} ${var.environment}: ${each.value.description}"
  key_usage               = "ENCRYPT_DECRYPT"
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key[each.key].json

  tags = merge(var.tags, { DataClass = each.key })
}

resource "aws_kms_alias" "this" {
  for_each = var.keys

  name          = "alias/${var.project}/${var.environment}/${each.key}"
  target_key_id = aws_kms_key.this[each.key].key_id
}
