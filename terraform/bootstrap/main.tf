# One-time root: the S3 bucket and DynamoDB table every environment root keeps
# its state in. Apply once per state account, by an administrator:
#
#   tools/tf -chdir=terraform/bootstrap init
#   tools/tf -chdir=terraform/bootstrap apply -var 'allowed_account_ids=["111111111111"]'
#   tools/tf -chdir=terraform/bootstrap output -json backend_config
module "state_backend" {
  source = "../modules/state_backend"

  project                            = var.project
  environments                       = var.environments
  bucket_name                        = var.bucket_name
  kms_key_arn                        = var.kms_key_arn
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  access_log_bucket                  = var.access_log_bucket
  protect                            = var.protect
}
