terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.77" # availability_zone_rebalancing (in ignore_changes)
    }
  }
}
