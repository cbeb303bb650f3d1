# Values are validated where they are used (the network, security, ecr, ecs,
# observability and deployments modules); this module only wires them together.

variable "project" {
  description = "Project name, the prefix of every resource name."
  type        = string
  default     = "slipway"
}

variable "environment" {
  description = "Environment name (local, dev, staging, prod)."
  type        = string
}

variable "services" {
  description = "The static part of the service catalogue (inventories/ENV/group_vars/all/services.yml)."
  type = map(object({
    port          = number
    health_path   = string
    cpu           = number
    memory        = number
    desired_count = number
    max_count     = optional(number)
  }))
}

variable "initial_image_tag" {
  description = "Image tag of the first task definition of every service."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
}

variable "az_count" {
  description = "Number of availability zones."
  type        = number
  default     = 2
}

variable "enable_nat_gateway" {
  description = "Create NAT gateways for the private subnets."
  type        = bool
  default     = true
}

variable "enable_flow_logs" {
  description = "Enable VPC flow logs."
  type        = bool
  default     = true
}

variable "alb_ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the ALB listeners."
  type        = list(string)
}

variable "prod_listener_protocol" {
  description = "Protocol of the production listener (HTTP or HTTPS)."
  type        = string
  default     = "HTTPS"
}

variable "prod_listener_port" {
  description = "Port of the production listener."
  type        = number
  default     = 443
}

variable "certificate_arn" {
  description = "ACM certificate ARN of an HTTPS production listener."
  type        = string
  default     = null
}

variable "test_listener_port" {
  description = "Port of the HTTP test listener."
  type        = number
  default     = 9000
}

variable "deregistration_delay_seconds" {
  description = "Target-group deregistration delay in seconds."
  type        = number
  default     = 15
}

variable "container_insights" {
  description = "Container Insights setting of the cluster (enabled, enhanced, disabled)."
  type        = string
  default     = "enabled"
}

variable "log_retention_days" {
  description = "Retention of the service log groups, in days."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for logs, ECR, DynamoDB and the secret. Null uses each service's AWS-managed encryption."
  type        = string
  default     = null
}

variable "ecr_force_delete" {
  description = "Allow destroying ECR repositories that still hold images."
  type        = bool
  default     = false
}

variable "alb_deletion_protection" {
  description = "Protect the ALB against deletion."
  type        = bool
  default     = true
}

variable "deployment_table_deletion_protection" {
  description = "Protect the deployment table against deletion."
  type        = bool
  default     = true
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery of the deployment table."
  type        = bool
  default     = true
}

variable "secret_recovery_window_days" {
  description = "Recovery window of the Slack webhook secret (0 deletes at once)."
  type        = number
  default     = 30
}

variable "alarm_notifications" {
  description = "Send alarm transitions to the release topic."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
