# Placeholders: fill in the real account, certificate and network ranges
# before the first apply (tools/tf -chdir=terraform/environments/dev apply -var-file=dev.tfvars).
allowed_account_ids     = ["000000000000"]
certificate_arn         = "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000"
alb_ingress_cidr_blocks = ["0.0.0.0/0"]
tags = {
  Owner = "platform"
}
