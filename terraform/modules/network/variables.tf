variable "name" {
  description = "Name prefix for every network resource, e.g. slipway-local."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 characters of lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC. Subnets are carved from it as /(prefix+4) blocks."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    # try(): Terraform evaluates both sides of &&, and a value without "/N" has no [1].
    # cidrnetmask accepts IPv4 only.
    condition     = can(cidrnetmask(var.cidr_block)) && try(tonumber(split("/", var.cidr_block)[1]) <= 24, false)
    error_message = "cidr_block must be a valid IPv4 CIDR with a prefix of /24 or shorter."
  }
}

variable "az_count" {
  description = "Number of availability zones to spread public and private subnets over (an ALB needs at least two)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number between 2 and 4."
  }
}

variable "enable_nat_gateway" {
  description = "Create one NAT gateway per availability zone so private subnets reach the internet (ECR, CloudWatch). Off on the local emulator."
  type        = bool
  default     = true
}

variable "enable_flow_logs" {
  description = "Send VPC flow logs (all traffic) to a CloudWatch log group. Off on the local emulator."
  type        = bool
  default     = true
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow-log group, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN to encrypt the flow-log group with. Null keeps CloudWatch Logs' default server-side encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}

# --- data subnets, VPC endpoints, NAT layout (data_subnets.tf, endpoints.tf) ---

variable "single_nat_gateway" {
  description = "Share one NAT gateway (in the first availability zone) between all private subnets instead of one per zone. Cheaper for dev; prod keeps one per zone so losing a zone never cuts the others off."
  type        = bool
  default     = false
}

variable "enable_data_subnets" {
  description = "Create isolated data subnets (one per availability zone) whose route table has no route out of the VPC."
  type        = bool
  default     = true
}

variable "enable_vpc_endpoints" {
  description = "Create VPC endpoints so tasks reach ECR, S3, Secrets Manager and CloudWatch Logs without the internet."
  type        = bool
  default     = true
}

variable "interface_endpoint_services" {
  description = "AWS services (the part after com.amazonaws.REGION.) that get an interface endpoint in the private subnets."
  type        = set(string)
  default     = ["ecr.api", "ecr.dkr", "secretsmanager", "logs"]

  validation {
    condition     = alltrue([for svc in var.interface_endpoint_services : can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", svc))])
    error_message = "interface_endpoint_services must be service names such as ecr.api, logs or secretsmanager."
  }
}
