output "alb_security_group_id" {
  description = "ID of the ALB security group."
  value       = aws_security_group.alb.id
}

output "service_security_group_id" {
  description = "ID of the security group of the ECS services."
  value       = aws_security_group.services.id
}
