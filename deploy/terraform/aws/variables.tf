variable "bucket_name" {
  description = "Name of the evidence bucket (globally unique). The agent's store URL is s3://<bucket_name>/<key_prefix>."
  type        = string

  validation {
    # The agent's config schema accepts only DNS-style bucket names (no dots at the ends, no upper case).
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens."
  }
}

variable "retention_days" {
  description = "COMPLIANCE default retention of every object, in days. Must be at least the agent's store.retention.days. 400 covers a 12-month SOC 2 Type 2 window plus the audit that follows it."
  type        = number
  default     = 400

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 36500 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of days between 1 and 36500."
  }
}

variable "key_prefix" {
  description = "Key prefix the agent may write and read under, with a trailing slash (e.g. \"evidence/\"), or \"\" for the whole bucket. Must match the path of the agent's store URL."
  type        = string
  default     = ""

  validation {
    condition     = var.key_prefix == "" || can(regex("^[^/].*/$", var.key_prefix))
    error_message = "key_prefix must be empty or end with a slash and not start with one."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before a scheduled deletion of the KMS key takes effect (7-30). The maximum gives the longest time to notice and cancel."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "agent_role_names" {
  description = "Existing IAM roles to attach the agent policy to (instance roles, EKS Pod Identity roles)."
  type        = list(string)
  default     = []
}

variable "eks_oidc_provider_arn" {
  description = "ARN of the EKS cluster's IAM OIDC provider. When set, an IRSA role for the agent's ServiceAccount is created."
  type        = string
  default     = null
}

variable "kubernetes_namespace" {
  description = "Namespace of the agent's ServiceAccount (IRSA trust)."
  type        = string
  default     = "evidence-agent"
}

variable "kubernetes_service_account" {
  description = "Name of the agent's ServiceAccount (IRSA trust)."
  type        = string
  default     = "evidence-agent"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
