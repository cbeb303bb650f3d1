output "database_security_group_id" {
  description = "Security group of the PostgreSQL instance, or null."
  value       = one(aws_security_group.database[*].id)
}

output "proxy_security_group_id" {
  description = "Security group of the RDS Proxy, or null."
  value       = one(aws_security_group.proxy[*].id)
}

output "redis_security_group_id" {
  description = "Security group of the Redis replication group, or null."
  value       = one(aws_security_group.redis[*].id)
}

output "db_instance_identifier" {
  description = "Identifier of the PostgreSQL instance (the DBInstanceIdentifier CloudWatch dimension), or null."
  value       = one(aws_db_instance.this[*].identifier)
}

output "db_instance_arn" {
  description = "ARN of the PostgreSQL instance, or null."
  value       = one(aws_db_instance.this[*].arn)
}

output "db_resource_id" {
  description = "Resource ID of the PostgreSQL instance (for rds-db:connect policies on direct connections), or null."
  value       = one(aws_db_instance.this[*].resource_id)
}

output "db_endpoint" {
  description = "Address of the PostgreSQL instance (host only), or null."
  value       = one(aws_db_instance.this[*].address)
}

output "db_port" {
  description = "Port of PostgreSQL."
  value       = 5432
}

output "db_name" {
  description = "Name of the initial database."
  value       = var.database_name
}

output "db_master_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding the master credentials (rotated by RDS), or null."
  value       = try(aws_db_instance.this[0].master_user_secret[0].secret_arn, null)
}

output "proxy_endpoint" {
  description = "Endpoint of the RDS Proxy (TLS and IAM authentication required), or null."
  value       = one(aws_db_proxy.this[*].endpoint)
}

output "proxy_arn" {
  description = "ARN of the RDS Proxy (its prx- ID goes into rds-db:connect policies), or null."
  value       = one(aws_db_proxy.this[*].arn)
}

output "redis_primary_endpoint" {
  description = "Primary endpoint of the Redis replication group (TLS), or null."
  value       = one(aws_elasticache_replication_group.this[*].primary_endpoint_address)
}

output "redis_reader_endpoint" {
  description = "Reader endpoint of the Redis replication group (TLS), or null."
  value       = one(aws_elasticache_replication_group.this[*].reader_endpoint_address)
}

output "redis_replication_group_id" {
  description = "ID of the Redis replication group, or null."
  value       = one(aws_elasticache_replication_group.this[*].id)
}

output "redis_app_user" {
  description = "The IAM-authenticated Redis user: name and the ARNs an elasticache:Connect policy needs (user and replication group), or null."
  value = var.enable_redis ? {
    user_name             = aws_elasticache_user.app[0].user_name
    user_arn              = aws_elasticache_user.app[0].arn
    replication_group_arn = aws_elasticache_replication_group.this[0].arn
  } : null
}
