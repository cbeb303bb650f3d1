output "keys" {
  description = "Per data class the key's arn, id and alias name."
  value = {
    for class, key in aws_kms_key.this : class => {
      arn        = key.arn
      key_id     = key.key_id
      alias_name = aws_kms_alias.this[class].name
      alias_arn  = aws_kms_alias.this[class].arn
    }
  }
}

output "key_arns" {
  description = "Per data class the key ARN (handy for module inputs)."
  value       = { for class, key in aws_kms_key.this : class => key.arn }
}
