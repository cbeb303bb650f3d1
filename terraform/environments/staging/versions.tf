terraform {
  # 1.10: S3-native state locking (use_lockfile); 1.11: the stack (write-only
  # secret attributes).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Placeholder bucket: replace with the real state bucket of the staging account
  # (versioned, encrypted, public access blocked).
  backend "s3" {
    bucket       = "slipway-staging-terraform-state-CHANGE-ME"
    key          = "slipway/staging/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}
