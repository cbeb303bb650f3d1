# The local AWS emulator. The endpoint is not written here: the provider takes
# it from AWS_ENDPOINT_URL (tools/tf-apply-local insists on it being set).
provider "aws" {
  region     = var.region
  access_key = "test"
  secret_key = "test"

  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  # skip_requesting_account_id stays false on purpose: without the account ID
  # the provider reports every security-group reference as cross-account
  # ("123456789012/sg-...") and plans a change on every run. The emulator
  # answers sts:GetCallerIdentity, which the account_id output needs anyway.
}
