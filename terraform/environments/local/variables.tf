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

# --- secret rotation against a real PostgreSQL (docs/secrets.md, "Rotation") ---

variable "rotation_database" {
  description = <<-EOT
    A real PostgreSQL server the rotation function can reach (the emulator's RDS
    is not one), with the credentials to rotate on it. Null (the default): no
    rotated secrets locally. Given (the rotation tests, a demo): one secret per
    credential, slipway/local/SERVICE/KEY, its pg_rotation function (deployed
    from lambdas/dist/pg_rotation.zip) and, with enable_rotation, its rotation
    configuration. Terraform only creates the secrets: whoever created the
    roles puts their first value (engine, host, port, username, password,
    dbname, and masterarn/ownerrole for alternating users) before enabling
    rotation, which tests the configuration at once (testSecret).
  EOT
  type = object({
    host            = string
    port            = optional(number, 5432)
    dbname          = optional(string, "postgres")
    enable_rotation = optional(bool, true)
    rotation_days   = optional(number, 30)
    credentials = map(object({
      service           = string
      username          = string
      grants            = optional(list(object({ privilege = string, table = optional(string), sequence = optional(string), schema = optional(string), database = optional(string) })), [])
      owner_role        = optional(string)
      master_secret_arn = optional(string)
    }))
  })
  default = null

  validation {
    condition     = var.rotation_database == null || can(regex("^(127\\.[0-9.]+|localhost)$", var.rotation_database.host))
    error_message = "rotation_database.host must be a loopback address: the emulator runs the function on this machine."
  }

  validation {
    condition     = var.rotation_database == null || alltrue([for key, _ in try(var.rotation_database.credentials, {}) : can(regex("^[a-z][a-z0-9-]{0,31}$", key))])
    error_message = "rotation_database.credentials keys must be 1-32 lower-case letters, digits and hyphens (they name the secret and the function)."
  }
}
