# Minimal use of the cdn module: a private site bucket behind CloudFront (OAC),
# with the WAF web ACL and the access-log bucket (all on by default). CloudFront
# and its WAF scope live in us-east-1.

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
  region = "us-east-1"
}

module "cdn" {
  source = "../.."

  name = "example-dev"

  tags = { Owner = "example" }
}

output "site_bucket_name" {
  description = "Where the site's build output is uploaded."
  value       = module.cdn.site_bucket_name
}

output "distribution_domain_name" {
  description = "The *.cloudfront.net name the site is served on."
  value       = module.cdn.distribution_domain_name
}
