data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  name       = "${var.project}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  secret_arn_prefix    = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${var.project}/${var.environment}"
  parameter_arn_prefix = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${var.project}/${var.environment}"
  decrypt_via_services = ["secretsmanager.${local.region}.amazonaws.com", "ssm.${local.region}.amazonaws.com"]

  github_host         = "token.actions.githubusercontent.com"
  github_provider_arn = var.enable_github_oidc ? (var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.github_oidc_provider_arn) : null
  github_apply_env    = coalesce(var.github_apply_environment, var.environment)

  github_plan_subjects = flatten([
    for repo in var.github_repositories : concat(
      [for branch in var.github_plan_branches : "repo:${var.github_org}/${repo}:ref:refs/heads/${branch}"],
      var.github_plan_pull_requests ? ["repo:${var.github_org}/${repo}:pull_request"] : [],
    )
  ])
  github_apply_subjects = [for repo in var.github_repositories : "repo:${var.github_org}/${repo}:environment:${local.github_apply_env}"]

  state_object_arn = var.terraform_state == null ? null : "${var.terraform_state.bucket_arn}/${var.terraform_state.key_prefix}*"
}

# =============================================================================
# ECS: the roles themselves belong to the ecs module (trust + image pull + logs);
# this module attaches what the containers may read and use.
# =============================================================================

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    sid       = "InjectSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["${local.secret_arn_prefix}/*"]
  }

  statement {
    sid       = "InjectParameters"
    actions   = ["ssm:GetParameters"]
    resources = ["${local.parameter_arn_prefix}/*"]
  }

  dynamic "statement" {
    for_each = var.secrets_kms_key_arn == null ? [] : [var.secrets_kms_key_arn]
    content {
      sid       = "DecryptThroughSecretsManagerAndSsm"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = local.decrypt_via_services
      }
    }
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  count = var.ecs_execution_role == null ? 0 : 1

  name   = "inject-secrets-and-parameters"
  role   = var.ecs_execution_role.name
  policy = data.aws_iam_policy_document.execution_secrets.json
}

data "aws_iam_policy_document" "task" {
  for_each = var.ecs_task_roles

  statement {
    sid       = "OwnSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["${local.secret_arn_prefix}/${each.key}/*"]
  }

  statement {
    sid       = "OwnParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = ["${local.parameter_arn_prefix}/${each.key}", "${local.parameter_arn_prefix}/${each.key}/*"]
  }

  dynamic "statement" {
    for_each = var.secrets_kms_key_arn == null ? [] : [var.secrets_kms_key_arn]
    content {
      sid       = "DecryptOwnSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = local.decrypt_via_services
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.queue_arns) > 0 ? [each.value.queue_arns] : []
    content {
      sid = "Queues"
      actions = [
        "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
      ]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(concat(each.value.bucket_arns, each.value.read_only_bucket_arns)) > 0 ? [1] : []
    content {
      sid       = "ListBuckets"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = concat(each.value.bucket_arns, each.value.read_only_bucket_arns)
    }
  }

  dynamic "statement" {
    for_each = length(each.value.bucket_arns) > 0 ? [each.value.bucket_arns] : []
    content {
      sid       = "ReadWriteObjects"
      actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"]
      resources = [for arn in statement.value : "${arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.read_only_bucket_arns) > 0 ? [each.value.read_only_bucket_arns] : []
    content {
      sid       = "ReadObjects"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = [for arn in statement.value : "${arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.kms_key_arns) > 0 ? [each.value.kms_key_arns] : []
    content {
      sid       = "DataKeys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = statement.value
    }
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = var.ecs_task_roles

  name   = "${each.key}-runtime-access"
  role   = each.value.name
  policy = data.aws_iam_policy_document.task[each.key].json
}

# =============================================================================
# GitHub Actions OIDC
# =============================================================================

resource "aws_iam_openid_connect_provider" "github" {
  count = var.enable_github_oidc && var.create_github_oidc_provider ? 1 : 0

  url             = "https://${local.github_host}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = length(var.github_oidc_thumbprints) > 0 ? var.github_oidc_thumbprints : null

  tags = var.tags
}

data "aws_iam_policy_document" "github_plan_trust" {
  #checkov:skip=CKV_AWS_358:The sub values are built in locals from validated inputs as repo:ORG/REPO:ref:refs/heads/BRANCH and repo:ORG/REPO:pull_request (no bare wildcard, org and repo always named); checkov cannot resolve the local.
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [coalesce(local.github_provider_arn, "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_host}")]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "${local.github_host}:sub"
      values   = local.github_plan_subjects
    }
  }
}

data "aws_iam_policy_document" "github_apply_trust" {
  #checkov:skip=CKV_AWS_358:The sub values are built in locals from validated inputs as repo:ORG/REPO:environment:ENV (exact match, no wildcard); checkov cannot resolve the local.
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [coalesce(local.github_provider_arn, "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.github_host}")]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    # Only jobs that run in the protected GitHub environment (required reviewers,
    # branch restrictions): no branch, tag or pull request gets this role.
    condition {
      test     = "StringEquals"
      variable = "${local.github_host}:sub"
      values   = local.github_apply_subjects
    }
  }
}

resource "aws_iam_role" "github_plan" {
  count = var.enable_github_oidc ? 1 : 0

  name                 = "${local.name}-github-plan"
  description          = "GitHub Actions: terraform plan for ${var.environment} (read-only)"
  assume_role_policy   = data.aws_iam_policy_document.github_plan_trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(var.github_repositories) > 0
      error_message = "enable_github_oidc needs at least one entry in github_repositories."
    }
    precondition {
      condition     = var.create_github_oidc_provider || var.github_oidc_provider_arn != null
      error_message = "Without create_github_oidc_provider, github_oidc_provider_arn is required."
    }
  }
}

resource "aws_iam_role" "github_apply" {
  count = var.enable_github_oidc ? 1 : 0

  name                 = "${local.name}-github-apply"
  description          = "GitHub Actions: terraform apply for ${var.environment}, only from the ${local.github_apply_env} GitHub environment"
  assume_role_policy   = data.aws_iam_policy_document.github_apply_trust.json
  max_session_duration = var.max_session_duration

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(var.github_repositories) > 0
      error_message = "enable_github_oidc needs at least one entry in github_repositories."
    }
  }
}

# Read-only: what `terraform plan` refreshes, never secret values.
data "aws_iam_policy_document" "github_plan" {
  #checkov:skip=CKV_AWS_356:Describe/Get/List calls of a plan have no resource-level scoping; writes and secret values are not granted.
  #checkov:skip=CKV_AWS_109:Read-only actions; no permissions-management action is granted.
  #checkov:skip=CKV_AWS_108:Reads the configuration a plan refreshes; secret values are explicitly denied.
  statement {
    sid = "ReadInfrastructure"
    actions = [
      "acm:Describe*", "acm:List*",
      "application-autoscaling:Describe*",
      "backup:Describe*", "backup:Get*", "backup:List*",
      "budgets:Describe*", "budgets:View*", "budgets:ListTagsForResource",
      "cloudfront:Get*", "cloudfront:List*",
      "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*",
      "config:Describe*", "config:Get*", "config:List*",
      "dynamodb:Describe*", "dynamodb:List*",
      "ec2:Describe*", "ec2:GetEbsDefaultKmsKeyId", "ec2:GetEbsEncryptionByDefault", "ec2:GetManagedPrefixListEntries",
      "ecr:Describe*", "ecr:GetLifecyclePolicy", "ecr:GetRegistryPolicy", "ecr:GetRegistryScanningConfiguration",
      "ecr:GetRepositoryPolicy", "ecr:List*",
      "ecs:Describe*", "ecs:List*",
      "elasticache:Describe*", "elasticache:List*",
      "elasticloadbalancing:Describe*",
      "events:Describe*", "events:List*",
      "iam:Get*", "iam:List*",
      "kms:Describe*", "kms:Get*", "kms:List*",
      "lambda:Get*", "lambda:List*",
      "logs:Describe*", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
      "organizations:Describe*", "organizations:List*",
      "rds:Describe*", "rds:List*",
      "route53:Get*", "route53:List*",
      "s3:GetAccelerateConfiguration", "s3:GetBucket*", "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:ListAllMyBuckets", "s3:ListBucket",
      "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecrets",
      "servicediscovery:Get*", "servicediscovery:List*",
      "sns:Get*", "sns:List*",
      "sqs:Get*", "sqs:List*",
      "ssm:DescribeParameters", "ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource",
      "sts:GetCallerIdentity",
      "tag:GetResources",
      "wafv2:Get*", "wafv2:List*",
      "xray:Get*",
    ]
    resources = ["*"]
  }

  # Refreshing a secret *version* needs GetSecretValue, so a plan with this role
  # fails for secrets whose value Terraform seeded (secrets module,
  # initial_password = "generate"); containers alone are fine.
  statement {
    sid       = "NeverSecretValues"
    effect    = "Deny"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.secrets_kms_key_arn == null ? [] : [var.secrets_kms_key_arn]
    content {
      sid       = "DecryptParametersForRefresh"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "github_plan" {
  count = var.enable_github_oidc ? 1 : 0

  name   = "read-only"
  role   = aws_iam_role.github_plan[0].id
  policy = data.aws_iam_policy_document.github_plan.json
}

# State: both roles read it and take the lock; only the apply role writes it.
data "aws_iam_policy_document" "state" {
  for_each = var.terraform_state == null ? {} : { plan = false, apply = true }

  statement {
    sid       = "ListState"
    actions   = ["s3:ListBucket"]
    resources = [var.terraform_state.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.terraform_state.key_prefix}*"]
    }
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = [local.state_object_arn]
  }

  # use_lockfile: the lock is an object next to the state.
  statement {
    sid       = each.value ? "WriteStateAndLock" : "LockFile"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = each.value ? [local.state_object_arn] : ["${local.state_object_arn}.tflock"]
  }

  dynamic "statement" {
    for_each = try(var.terraform_state.lock_table_arn, null) == null ? [] : [var.terraform_state.lock_table_arn]
    content {
      sid       = "LockTable"
      actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = try(var.terraform_state.kms_key_arn, null) == null ? [] : [var.terraform_state.kms_key_arn]
    content {
      sid       = "StateKey"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "github_plan_state" {
  count = var.enable_github_oidc && var.terraform_state != null ? 1 : 0

  name   = "terraform-state-read-and-lock"
  role   = aws_iam_role.github_plan[0].id
  policy = data.aws_iam_policy_document.state["plan"].json
}

resource "aws_iam_role_policy" "github_apply_state" {
  count = var.enable_github_oidc && var.terraform_state != null ? 1 : 0

  name   = "terraform-state-read-write"
  role   = aws_iam_role.github_apply[0].id
  policy = data.aws_iam_policy_document.state["apply"].json
}

resource "aws_iam_role_policy_attachment" "github_apply" {
  for_each = var.enable_github_oidc ? toset(var.apply_role_managed_policies) : toset([])

  role       = aws_iam_role.github_apply[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

# PowerUserAccess excludes IAM: grant it for this project's and environment's
# roles and policies only, and never for the GitHub roles themselves (changes
# to those are applied by an administrator, not by the pipeline they trust).
data "aws_iam_policy_document" "github_apply_iam" {
  statement {
    sid = "ManageOwnRolesAndPolicies"
    actions = [
      "iam:AttachRolePolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole",
      "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DeleteRole", "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy", "iam:PassRole", "iam:PutRolePolicy", "iam:TagPolicy", "iam:TagRole",
      "iam:UntagPolicy", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = [
      "arn:${local.partition}:iam::${local.account_id}:role/${local.name}-*",
      "arn:${local.partition}:iam::${local.account_id}:policy/${local.name}-*",
    ]
  }

  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/*"]
  }

  statement {
    sid    = "NotTheCiRolesThemselves"
    effect = "Deny"
    actions = [
      "iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
      "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:PutRolePermissionsBoundary",
      "iam:DeleteRolePermissionsBoundary",
    ]
    resources = [
      "arn:${local.partition}:iam::${local.account_id}:role/${local.name}-github-*",
      "arn:${local.partition}:iam::${local.account_id}:role/${local.name}-deploy-*",
    ]
  }
}

resource "aws_iam_role_policy" "github_apply_iam" {
  count = var.enable_github_oidc ? 1 : 0

  name   = "manage-own-iam"
  role   = aws_iam_role.github_apply[0].id
  policy = data.aws_iam_policy_document.github_apply_iam.json
}

# =============================================================================
# Cross-account deploy roles (tooling account -> this account)
# =============================================================================

data "aws_iam_policy_document" "cross_account_trust" {
  for_each = var.cross_account_roles

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [for id in each.value.trusted_account_ids : "arn:${local.partition}:iam::${id}:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [each.value.external_id]
    }
  }
}

resource "aws_iam_role" "cross_account" {
  for_each = var.cross_account_roles

  name                 = "${local.name}-deploy-${each.key}"
  description          = "Deploys to ${var.environment} from ${join(", ", each.value.trusted_account_ids)}"
  assume_role_policy   = data.aws_iam_policy_document.cross_account_trust[each.key].json
  max_session_duration = var.max_session_duration

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "cross_account" {
  for_each = merge([
    for name, role in var.cross_account_roles : { for arn in role.policy_arns : "${name} ${arn}" => { role = name, arn = arn } }
  ]...)

  role       = aws_iam_role.cross_account[each.value.role].name
  policy_arn = each.value.arn
}

resource "aws_iam_role_policy" "cross_account" {
  for_each = { for name, role in var.cross_account_roles : name => role.inline_policy_json if role.inline_policy_json != null }

  name   = "deploy"
  role   = aws_iam_role.cross_account[each.key].id
  policy = each.value
}
