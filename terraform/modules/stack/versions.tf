terraform {
  # 1.11: modules/secrets (write-only attributes); 1.9: the iam.service_access
  # validation refers to the service catalogue.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88" # secret_string_wo (modules/secrets)
    }
  }
}
