variable "region" {
  description = "Region of the emulator."
  type        = string
  default     = "us-east-1"
}

variable "initial_image_tag" {
  description = "Image tag of the first task definition of every service."
  type        = string
  default     = "1.0.0"
}

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "alb_ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the ALB listeners."
  type        = list(string)
  default     = ["127.0.0.0/8", "10.0.0.0/8"]
}

# --- features the emulator cannot provide (see docs/terraform-local.md) ------

variable "enable_nat_gateway" {
  description = "NAT gateways for the private subnets. Off: emulated tasks need no internet egress and NAT gateways only slow the emulator down."
  type        = bool
  default     = false
}

variable "enable_flow_logs" {
  description = "VPC flow logs. Off: the emulator produces no traffic records."
  type        = bool
  default     = false
}

variable "notifications_webhook_url" {
  description = "Loopback URL of the emulator's webhook receiver that the Slack secret holds locally (tools/tf-apply-local sets it from `tools/local-aws webhook-url`); null leaves the secret empty."
  type        = string
  default     = null

  validation {
    condition     = var.notifications_webhook_url == null || can(regex("^http://(127\\.0\\.0\\.1|localhost):[0-9]+/", var.notifications_webhook_url))
    error_message = "notifications_webhook_url must be the emulator's loopback receiver, e.g. http://127.0.0.1:4567/slack/local (tools/local-aws webhook-url)."
  }
}
