variable "project_id" {
  description = "Project that holds the bucket, the custom role and the agent's service account."
  type        = string
}

variable "bucket_name" {
  description = "Name of the evidence bucket (globally unique). The agent's store URL is gs://<bucket_name>/<prefix>."
  type        = string

  validation {
    # What the agent's config schema accepts for gs:// URLs.
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be lower-case letters, digits, dots, underscores and hyphens."
  }
}

variable "location" {
  description = "Bucket location (region, dual-region or multi-region)."
  type        = string
  default     = "EU"
}

variable "retention_days" {
  description = "Locked retention period of every object, in days. Must be at least the agent's store.retention.days. 400 covers a 12-month SOC 2 Type 2 window plus the audit that follows it."
  type        = number
  default     = 400

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 36500 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of days between 1 and 36500."
  }
}

variable "service_account_id" {
  description = "Account id of the agent's service account."
  type        = string
  default     = "evidence-agent"
}

variable "custom_role_id" {
  description = "Id of the agent's custom role in the project."
  type        = string
  default     = "evidenceAgentWriter"
}

variable "gke_workload_identity" {
  description = "Bind the agent's Kubernetes ServiceAccount to the service account through GKE Workload Identity."
  type        = bool
  default     = false
}

variable "workload_identity_pool" {
  description = "Workload identity pool of the GKE cluster; default <project_id>.svc.id.goog (set it when the cluster is in another project)."
  type        = string
  default     = null
}

variable "kubernetes_namespace" {
  description = "Namespace of the agent's Kubernetes ServiceAccount."
  type        = string
  default     = "evidence-agent"
}

variable "kubernetes_service_account" {
  description = "Name of the agent's Kubernetes ServiceAccount."
  type        = string
  default     = "evidence-agent"
}

variable "labels" {
  description = "Labels for the bucket."
  type        = map(string)
  default     = {}
}

variable "kms_location" {
  description = "Cloud KMS location of the checkpoint signing key ring (a region such as europe-west1, or a multi-region such as europe)."
  type        = string
  default     = "europe"
}

variable "signing_key_protection_level" {
  description = "Where the signing key lives: HSM (FIPS 140-2 Level 3) or SOFTWARE."
  type        = string
  default     = "HSM"

  validation {
    condition     = contains(["HSM", "SOFTWARE"], var.signing_key_protection_level)
    error_message = "signing_key_protection_level must be HSM or SOFTWARE."
  }
}

variable "kms_data_access_logs" {
  description = "Turn on Data Access audit logs (DATA_READ) for Cloud KMS in the project, so every AsymmetricSign is recorded. Leave on unless the organization already does it."
  type        = bool
  default     = true
}
