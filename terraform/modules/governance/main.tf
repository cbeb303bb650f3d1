data "aws_partition" "current" {}

locals {
  name      = "${var.project}-${var.environment}"
  partition = data.aws_partition.current.partition

  budget_subscribed = length(var.budget_alert_emails) + length(var.budget_alert_sns_topic_arns) > 0

  # required-tags takes tag1Key..tag6Key.
  config_rules = merge(var.config_rules, {
    "required-tags" = {
      identifier       = "REQUIRED_TAGS"
      input_parameters = { for i, key in var.required_tags : "tag${i + 1}Key" => key }
      description      = "Resources carry the tags ${join(", ", var.required_tags)}"
    }
  })

  # --- Organizations tag policy (document, see the tag policy syntax) ----------
  tag_policy = {
    tags = {
      for key in var.required_tags : key => merge(
        { tag_key = { "@@assign" = key } },
        contains(keys(var.tag_allowed_values), key) ? {
          tag_value    = { "@@assign" = var.tag_allowed_values[key] }
          enforced_for = { "@@assign" = var.tag_policy_enforced_for }
        } : {},
      )
    }
  }

  # Services whose API lives in one region only or has no region; the region
  # restriction leaves them alone.
  global_actions = [
    "account:*", "aws-portal:*", "budgets:*", "ce:*", "cloudfront:*", "cur:*", "ec2:DescribeRegions",
    "globalaccelerator:*", "health:*", "iam:*", "organizations:*", "pricing:*", "route53:*",
    "route53domains:*", "s3:GetAccountPublicAccessBlock", "s3:ListAllMyBuckets", "s3:PutAccountPublicAccessBlock",
    "shield:*", "sso:*", "sts:*", "support:*", "trustedadvisor:*", "waf:*",
  ]

  scps = {
    "deny-leave-organization"       = data.aws_iam_policy_document.deny_leave_organization.json
    "protect-cloudtrail-and-config" = data.aws_iam_policy_document.protect_audit.json
    "deny-other-regions"            = data.aws_iam_policy_document.deny_other_regions.json
    "deny-unencrypted-s3-puts"      = data.aws_iam_policy_document.deny_unencrypted_s3_puts.json
  }

  # Organizations counts every character: store the documents minified.
  organizations_policies = merge(
    { for name, doc in local.scps : name => { type = "SERVICE_CONTROL_POLICY", content = jsonencode(jsondecode(doc)) } },
    { "required-tags" = { type = "TAG_POLICY", content = jsonencode(local.tag_policy) } },
  )

  organizations_attachments = merge([
    for policy, _ in local.organizations_policies : {
      for target in var.organizations_target_ids : "${policy} ${target}" => { policy = policy, target = target }
    }
  ]...)
}

# =============================================================================
# Budgets
# =============================================================================

resource "aws_budgets_budget" "monthly" {
  count = var.enable_budgets ? 1 : 0

  name         = "${local.name}-monthly-cost"
  budget_type  = "COST"
  limit_amount = tostring(var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  # One tag filter: several TagKeyValue values would be OR-ed, so the
  # Environment tag alone selects the environment's resources.
  dynamic "cost_filter" {
    for_each = var.budget_filter_by_tags ? [1] : []
    content {
      name   = "TagKeyValue"
      values = ["user:Environment$${var.environment}"]
    }
  }

  # A notification needs at least one subscriber.
  dynamic "notification" {
    for_each = local.budget_subscribed ? var.budget_thresholds : []
    content {
      comparison_operator        = "GREATER_THAN"
      threshold                  = notification.value.percent
      threshold_type             = "PERCENTAGE"
      notification_type          = notification.value.type
      subscriber_email_addresses = var.budget_alert_emails
      subscriber_sns_topic_arns  = var.budget_alert_sns_topic_arns
    }
  }

  tags = var.tags
}

# =============================================================================
# AWS Config managed rules (the recorder is an account-level prerequisite)
# =============================================================================

resource "aws_config_config_rule" "this" {
  for_each = var.enable_config_rules ? local.config_rules : {}

  name             = "${local.name}-${each.key}"
  description      = coalesce(each.value.description, "AWS managed rule ${each.value.identifier}")
  input_parameters = length(each.value.input_parameters) > 0 ? jsonencode(each.value.input_parameters) : null

  source {
    owner             = "AWS"
    source_identifier = each.value.identifier
  }

  tags = var.tags
}

# =============================================================================
# Service control policies (documents; attached only with enable_organizations_policies)
# =============================================================================

data "aws_iam_policy_document" "deny_leave_organization" {
  statement {
    sid       = "DenyLeavingTheOrganization"
    effect    = "Deny"
    actions   = ["organizations:LeaveOrganization"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "protect_audit" {
  statement {
    sid    = "DenyDisablingCloudTrailAndConfig"
    effect = "Deny"
    actions = [
      "cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
      "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel", "config:DeleteRetentionConfiguration",
      "config:StopConfigurationRecorder",
    ]
    resources = ["*"]

    dynamic "condition" {
      for_each = length(var.scp_exempt_role_arns) > 0 ? [1] : []
      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalARN"
        values   = var.scp_exempt_role_arns
      }
    }
  }
}

data "aws_iam_policy_document" "deny_other_regions" {
  statement {
    sid         = "DenyRegionsOutsideTheAllowList"
    effect      = "Deny"
    not_actions = local.global_actions
    resources   = ["*"]

    condition {
      test     = "StringNotEquals"
      variable = "aws:RequestedRegion"
      values   = var.allowed_regions
    }

    dynamic "condition" {
      for_each = length(var.scp_exempt_role_arns) > 0 ? [1] : []
      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalARN"
        values   = var.scp_exempt_role_arns
      }
    }
  }
}

data "aws_iam_policy_document" "deny_unencrypted_s3_puts" {
  # A request that names an encryption must name a real one ...
  statement {
    sid       = "DenyUnknownServerSideEncryption"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["*"]

    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["false"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["AES256", "aws:kms", "aws:kms:dsse"]
    }
  }

  # ... and, optionally, every request must name one (bucket default encryption
  # covers requests without the header, so this is belt and braces).
  dynamic "statement" {
    for_each = var.scp_require_sse_header ? [1] : []
    content {
      sid       = "DenyPutsWithoutServerSideEncryption"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["*"]

      condition {
        test     = "Null"
        variable = "s3:x-amz-server-side-encryption"
        values   = ["true"]
      }
    }
  }
}

resource "aws_organizations_policy" "this" {
  for_each = var.enable_organizations_policies ? local.organizations_policies : {}

  name        = "${var.project}-${each.key}"
  description = "${var.project}: ${each.key}"
  type        = each.value.type
  content     = each.value.content

  tags = var.tags
}

resource "aws_organizations_policy_attachment" "this" {
  for_each = var.enable_organizations_policies ? local.organizations_attachments : {}

  policy_id = aws_organizations_policy.this[each.value.policy].id
  target_id = each.value.target
}
