terraform {
  # 1.11: the stack (write-only secret attributes).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # The emulator is throw-away: state lives next to this root (git-ignored).
  backend "local" {}
}
