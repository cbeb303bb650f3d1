terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # The bootstrap creates the remote backend, so its own state starts local
  # (git-ignored). Once applied, it may move into the bucket it created:
  # add a backend "s3" block with the printed settings and `init -migrate-state`.
  backend "local" {}
}
