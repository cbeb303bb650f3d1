# Minimal use of the ecs module: one service, blue/green behind an ALB with an
# HTTPS production listener and the HTTP test listener, in a VPC, security
# groups and ECR repositories made by the sibling modules.

terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.77"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS production listener."
  type        = string
  default     = "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"
}

locals {
  services = {
    api = { port = 8080, health_path = "/health", cpu = 256, memory = 512, desired_count = 2 }
  }
}

module "network" {
  source = "../../../network"

  name       = "example-dev"
  cidr_block = "10.60.0.0/16"
}

module "security" {
  source = "../../../security"

  name                    = "example-dev"
  vpc_id                  = module.network.vpc_id
  alb_ingress_cidr_blocks = ["0.0.0.0/0"]
  alb_listener_ports      = [80, 443]
  test_listener_port      = 9000
  service_ports           = toset([for svc in local.services : svc.port])
}

module "ecr" {
  source = "../../../ecr"

  repository_prefix = "example"
  services          = toset(keys(local.services))
}

module "ecs" {
  source = "../.."

  project           = "example"
  environment       = "dev"
  services          = local.services
  repositories      = module.ecr.repositories
  initial_image_tag = "1.0.0"

  vpc_id                    = module.network.vpc_id
  public_subnet_ids         = module.network.public_subnet_ids
  private_subnet_ids        = module.network.private_subnet_ids
  alb_security_group_id     = module.security.alb_security_group_id
  service_security_group_id = module.security.service_security_group_id

  certificate_arn = var.certificate_arn
}

output "services" {
  description = "Per service the names and ARNs a release works with."
  value       = module.ecs.services
}
