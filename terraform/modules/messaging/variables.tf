variable "name" {
  description = "Name prefix of queues, bus, rules, functions and roles, e.g. slipway-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 characters of lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for the queues and the Lambda environment. Null uses SQS-managed encryption (SSE-SQS) and the services' AWS-managed keys. With a key, its key policy must let events.amazonaws.com use it (see the eventbridge_kms_statement output)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN for the module's CloudWatch log groups (its key policy must allow logs.REGION.amazonaws.com). Null keeps CloudWatch Logs' default encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "queues" {
  description = "Queues by key; each gets a dead-letter queue NAME-KEY-dlq that receives a message after max_receive_count failed receives."
  type = map(object({
    visibility_timeout_seconds = optional(number, 60)
    message_retention_seconds  = optional(number, 345600)
    dlq_retention_seconds      = optional(number, 1209600)
    max_receive_count          = optional(number, 5)
    receive_wait_time_seconds  = optional(number, 20)
  }))
  default = {}

  validation {
    condition     = alltrue([for key, _ in var.queues : can(regex("^[a-z][a-z0-9-]{0,39}$", key))])
    error_message = "Queue keys must be 1-40 lower-case letters, digits and hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.max_receive_count >= 1 && q.max_receive_count <= 1000 && floor(q.max_receive_count) == q.max_receive_count])
    error_message = "max_receive_count must be a whole number between 1 and 1000."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.visibility_timeout_seconds >= 0 && q.visibility_timeout_seconds <= 43200])
    error_message = "visibility_timeout_seconds must be between 0 and 43200."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.message_retention_seconds >= 60 && q.message_retention_seconds <= 1209600 && q.dlq_retention_seconds >= 60 && q.dlq_retention_seconds <= 1209600])
    error_message = "message_retention_seconds and dlq_retention_seconds must be between 60 and 1209600 (14 days)."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.dlq_retention_seconds >= q.message_retention_seconds])
    error_message = "dlq_retention_seconds must be at least message_retention_seconds, or messages expire before anyone can look at them."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.receive_wait_time_seconds >= 0 && q.receive_wait_time_seconds <= 20])
    error_message = "receive_wait_time_seconds must be between 0 and 20."
  }
}

variable "event_rules" {
  description = "EventBridge rules on the custom bus by key: an event pattern (JSON) and exactly one target, a queue key or a function key."
  type = map(object({
    description   = string
    event_pattern = string
    queue         = optional(string)
    function      = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for r in var.event_rules : (r.queue == null) != (r.function == null)])
    error_message = "Every event rule needs exactly one target: queue or function."
  }

  validation {
    condition     = alltrue([for r in var.event_rules : can(jsondecode(r.event_pattern))])
    error_message = "event_pattern must be a JSON document."
  }

  validation {
    condition     = alltrue([for r in var.event_rules : (r.queue == null || contains(keys(var.queues), coalesce(r.queue, "-"))) && (r.function == null || contains(keys(var.functions), coalesce(r.function, "-")))])
    error_message = "An event rule's queue must be a key of queues and its function a key of functions."
  }

  validation {
    condition     = alltrue([for key, _ in var.event_rules : can(regex("^[a-z][a-z0-9-]{0,39}$", key))])
    error_message = "Event rule keys must be 1-40 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "functions" {
  description = "Integration Lambda functions by key; the code is lambdas/KEY/ packaged to PACKAGE_DIR/KEY.zip by tools/package-lambdas. target_queue is a queue key the function may send to (URL in TARGET_QUEUE_URL)."
  type = map(object({
    description          = string
    handler              = optional(string, "handler.handler")
    memory_size          = optional(number, 128)
    timeout_seconds      = optional(number, 10)
    reserved_concurrency = optional(number, -1)
    target_queue         = optional(string)
    environment          = optional(map(string), {})
  }))
  default = {}

  validation {
    condition     = alltrue([for key, _ in var.functions : can(regex("^[a-z][a-z0-9_]{0,39}$", key))])
    error_message = "Function keys must be 1-40 lower-case letters, digits and underscores (the directory name under lambdas/)."
  }

  validation {
    condition     = alltrue([for f in var.functions : f.memory_size >= 128 && f.memory_size <= 10240 && f.timeout_seconds >= 1 && f.timeout_seconds <= 900])
    error_message = "memory_size must be 128-10240 MB and timeout_seconds 1-900."
  }

  validation {
    condition     = alltrue([for f in var.functions : f.target_queue == null || contains(keys(var.queues), coalesce(f.target_queue, "-"))])
    error_message = "A function's target_queue must be a key of queues."
  }
}

variable "enable_functions" {
  description = "Deploy the integration functions (and the rules that target them); false skips both."
  type        = bool
  default     = true
}

variable "restrict_dlq_sources" {
  description = "Give every dead-letter queue a redrive-allow policy that admits only its own source queue."
  type        = bool
  default     = true
}

variable "lambda_package_dir" {
  description = "Directory holding KEY.zip for every function (built by tools/package-lambdas)."
  type        = string
  default     = "lambdas/dist"
}

variable "lambda_runtime" {
  description = "Lambda runtime of the integration functions."
  type        = string
  default     = "python3.11"

  validation {
    condition     = can(regex("^python3\\.(11|12|13)$", var.lambda_runtime))
    error_message = "lambda_runtime must be python3.11, python3.12 or python3.13."
  }
}

variable "log_retention_days" {
  description = "Retention of the Lambda log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module."
  type        = map(string)
  default     = {}
}
