variable "name" {
  description = "Name prefix for the security groups, e.g. slipway-local."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 characters of lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the security groups belong to."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "alb_ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the ALB listeners (production and test ports)."
  type        = list(string)

  validation {
    condition     = length(var.alb_ingress_cidr_blocks) > 0 && alltrue([for cidr in var.alb_ingress_cidr_blocks : can(cidrhost(cidr, 0))])
    error_message = "alb_ingress_cidr_blocks must be a non-empty list of valid IPv4 CIDR blocks."
  }
}

variable "alb_listener_ports" {
  description = "Production listener ports opened on the ALB security group."
  type        = set(number)
  default     = [80, 443]

  validation {
    condition     = alltrue([for port in var.alb_listener_ports : port >= 1 && port <= 65535])
    error_message = "alb_listener_ports must be TCP ports (1-65535)."
  }
}

variable "test_listener_port" {
  description = "Port of the ALB test listener that reaches the idle colour."
  type        = number
  default     = 9000

  validation {
    condition     = var.test_listener_port >= 1 && var.test_listener_port <= 65535
    error_message = "test_listener_port must be a TCP port (1-65535)."
  }
}

variable "service_ports" {
  description = "Container ports of the services; the ALB may reach the services on these ports only."
  type        = set(number)

  validation {
    condition     = length(var.service_ports) > 0 && alltrue([for port in var.service_ports : port >= 1 && port <= 65535])
    error_message = "service_ports must be a non-empty set of TCP ports (1-65535)."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
