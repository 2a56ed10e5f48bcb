output "bucket_name" {
  description = "The evidence bucket."
  value       = google_storage_bucket.evidence.name
}

output "store_url" {
  description = "Value for the agent's store.url (append a /prefix if you want one)."
  value       = "gs://${google_storage_bucket.evidence.name}"
}

output "retention_days" {
  description = "The bucket's locked retention; set store.retention.days to at most this."
  value       = var.retention_days
}

output "service_account_email" {
  description = "The agent's service account; annotate the Kubernetes ServiceAccount with it as iam.gke.io/gcp-service-account."
  value       = google_service_account.agent.email
}

output "agent_role" {
  description = "The agent's custom role, granted on the bucket only."
  value       = google_project_iam_custom_role.agent.name
}

output "signing_key_version" {
  description = "The checkpoint signing key version: the agent's signing.gcpKms.keyVersion. Auditors get its public key with `evidence-agent keygen --kms <version>`."
  # Version 1 is created with the key. The agent names a version, so a later one never signs unnoticed.
  value = "${google_kms_crypto_key.checkpoints.id}/cryptoKeyVersions/1"
}
