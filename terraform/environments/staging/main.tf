module "stack" {
  source = "../../modules/stack"

  environment = "staging"
  tags        = var.tags

  network = {
    cidr = var.vpc_cidr
  }

  security = {
    alb_ingress_cidr_blocks = var.alb_ingress_cidr_blocks
  }

  ecs = {
    initial_image_tag      = var.initial_image_tag
    prod_listener_protocol = "HTTPS"
    prod_listener_port     = 443
    certificate_arn        = var.certificate_arn
    test_listener_port     = 9000
  }

  kms = {
    override_key_arn = var.kms_key_arn
  }
}
