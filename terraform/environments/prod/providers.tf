provider "aws" {
  region = var.region

  # Refuse to run against any other account than this environment's.
  allowed_account_ids = var.allowed_account_ids
}
