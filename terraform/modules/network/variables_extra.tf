# Inputs of the data-subnet, VPC-endpoint and NAT-layout extensions
# (data_subnets.tf, endpoints.tf).

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

locals {
  # NAT layout: which zones get a NAT gateway, and which NAT gateway each
  # zone's private route table uses.
  nat_zones    = var.enable_nat_gateway ? (var.single_nat_gateway ? { (local.azs[0]) = 0 } : local.zones) : {}
  nat_zone_for = { for az, _ in local.zones : az => var.single_nat_gateway ? local.azs[0] : az }
}
