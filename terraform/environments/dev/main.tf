locals {
  environment = "dev"

  catalogue = yamldecode(file("${path.module}/../../../inventories/${local.environment}/group_vars/all/services.yml")).slipway_services

  # Terraform owns only the static part of each entry; the release owns the rest.
  services = {
    for name, svc in local.catalogue : name => {
      port          = svc.port
      health_path   = svc.health_path
      cpu           = svc.cpu
      memory        = svc.memory
      desired_count = svc.desired_count
      max_count     = try(svc.max_count, svc.desired_count * 4)
    }
  }
}

module "stack" {
  source = "../../modules/stack"

  environment       = local.environment
  services          = local.services
  initial_image_tag = var.initial_image_tag

  vpc_cidr                = var.vpc_cidr
  alb_ingress_cidr_blocks = var.alb_ingress_cidr_blocks

  prod_listener_protocol = "HTTPS"
  prod_listener_port     = 443
  certificate_arn        = var.certificate_arn
  test_listener_port     = 9000

  # One shared NAT gateway in dev; one per AZ in staging and prod.
  single_nat_gateway = true

  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}
