output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Availability zones the subnets are spread over, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnet IDs, one per availability zone, in availability_zones order."
  value       = [for az in local.azs : aws_subnet.public[az].id]
}

output "private_subnet_ids" {
  description = "Private subnet IDs, one per availability zone, in availability_zones order."
  value       = [for az in local.azs : aws_subnet.private[az].id]
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs by availability zone (empty when enable_nat_gateway is false)."
  value       = { for az, nat in aws_nat_gateway.this : az => nat.id }
}

output "flow_log_id" {
  description = "ID of the VPC flow log, or null when enable_flow_logs is false."
  value       = one(aws_flow_log.this[*].id)
}

output "data_subnet_ids" {
  description = "Isolated data subnet IDs, one per availability zone, in availability_zones order (empty when enable_data_subnets is false)."
  value       = [for az in local.azs : aws_subnet.data[az].id if var.enable_data_subnets]
}

output "data_route_table_id" {
  description = "ID of the data subnets' route table (no route leaves the VPC), or null."
  value       = one(aws_route_table.data[*].id)
}

output "vpc_endpoint_ids" {
  description = "VPC endpoint IDs by service (interface endpoints and the s3 gateway endpoint); empty when enable_vpc_endpoints is false."
  value = merge(
    { for svc, ep in aws_vpc_endpoint.interface : svc => ep.id },
    { for ep in aws_vpc_endpoint.s3 : "s3" => ep.id },
  )
}

output "vpc_endpoint_security_group_id" {
  description = "Security group of the interface endpoints, or null."
  value       = one(aws_security_group.endpoints[*].id)
}
