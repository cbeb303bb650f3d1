provider "aws" {
  region = var.region

  # Refuse to run against any other account.
  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = merge(var.tags, { Project = var.project, ManagedBy = "terraform", Component = "terraform-state" })
  }
}
