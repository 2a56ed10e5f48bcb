# A Cloud Storage bucket that keeps evidence-agent records immutable, and a service account that
# can only create and read objects in it.
#
# WARNING: `is_locked = true` below is irreversible. Once applied, the retention policy can never
# be removed or shortened, every object stays (and is billed) for `retention_days`, and the bucket
# cannot be deleted while it holds objects under retention. Try it in a scratch project first.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0"
    }
  }
}

locals {
  workload_identity_pool = coalesce(var.workload_identity_pool, "${var.project_id}.svc.id.goog")
}

resource "google_storage_bucket" "evidence" {
  project       = var.project_id
  name          = var.bucket_name
  location      = var.location
  storage_class = "STANDARD"
  # Never empty the bucket to delete it; objects under retention could not be deleted anyway.
  force_destroy = false

  # A locked retention policy: no object can be deleted or replaced by anyone until it is
  # `retention_days` old, and the policy itself can no longer be removed or shortened. This is
  # what the agent's preflight requires before its first write (otherwise it exits 2).
  retention_policy {
    retention_period = var.retention_days * 86400
    is_locked        = true
  }

  # IAM only, no per-object ACLs, so the bucket-level grants below are the whole story.
  uniform_bucket_level_access = true

  # Never public, whatever IAM binding is added later.
  public_access_prevention = "enforced"

  # While the lock holds nothing can be overwritten, so versioning costs nothing. After an
  # object's retention ends it still matters: an overwrite or delete then leaves the original as a
  # noncurrent version, which `evidence-agent verify` lists and reports as an overwrite or
  # deletion attempt, instead of the record silently changing.
  versioning {
    enabled = true
  }

  labels = var.labels

  lifecycle {
    prevent_destroy = true
  }
}

# ---------------------------------------------------------------------------------------------
# The agent's identity and the only permissions it gets. A custom role rather than
# roles/storage.objectCreator + roles/storage.objectViewer: those lack storage.buckets.get, which
# the preflight and the evidence-store collector need to read the retention policy, and include
# XML multipart permissions the agent does not use. Deliberately absent: storage.objects.delete
# (also needed to overwrite), storage.objects.update (metadata, holds), storage.objects.setIamPolicy,
# storage.buckets.update and storage.buckets.setIamPolicy.
resource "google_project_iam_custom_role" "agent" {
  project     = var.project_id
  role_id     = var.custom_role_id
  title       = "evidence-agent writer"
  description = "Create and read evidence objects and read the bucket's settings; no delete, update or IAM changes."
  permissions = [
    "storage.buckets.get",
    "storage.objects.create",
    "storage.objects.get",
    "storage.objects.list",
  ]
}

resource "google_service_account" "agent" {
  project      = var.project_id
  account_id   = var.service_account_id
  display_name = "evidence-agent"
  description  = "Writes SOC 2 evidence records to ${var.bucket_name}; create-only."
}

# Granted on the bucket, not the project: the role means nothing for any other bucket.
resource "google_storage_bucket_iam_member" "agent" {
  bucket = google_storage_bucket.evidence.name
  role   = google_project_iam_custom_role.agent.name
  member = "serviceAccount:${google_service_account.agent.email}"
}

# Optional: let the Kubernetes ServiceAccount in deploy/kubernetes act as this service account
# through GKE Workload Identity, so no key file ever exists.
resource "google_service_account_iam_member" "workload_identity" {
  count              = var.gke_workload_identity ? 1 : 0
  service_account_id = google_service_account.agent.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${local.workload_identity_pool}[${var.kubernetes_namespace}/${var.kubernetes_service_account}]"
}
