# Minimal use of the network module: a VPC over two availability zones with
# public, private and isolated data subnets, one shared NAT gateway, flow logs
# and VPC endpoints (all on by default).

terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "network" {
  source = "../.."

  name               = "example-dev"
  cidr_block         = "10.60.0.0/16"
  single_nat_gateway = true

  tags = { Owner = "example" }
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "private_subnet_ids" {
  description = "Subnets for the ECS tasks."
  value       = module.network.private_subnet_ids
}
