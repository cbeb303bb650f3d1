resource "aws_dynamodb_table" "deployments" {
  #checkov:skip=CKV_AWS_28:point_in_time_recovery defaults to true here and in the stack's deployments object; checkov cannot resolve the optional() attributes of the stack's typed inputs through which every environment sets it.
  name                        = "${var.project}-${var.environment}-deployments"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}
