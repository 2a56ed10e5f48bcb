# The checkpoint signing key: a Cloud KMS key (ASYMMETRIC_SIGN, EC_SIGN_P256_SHA256) whose private
# half never leaves Cloud KMS. The agent signs with it (signing.gcpKms.keyVersion = output
# signing_key_version); auditors verify with its public key (`evidence-agent keygen --kms <version>`).
#
# What this prevents: the agent's service account can sign and read the public key
# (roles/cloudkms.signerVerifier, granted on this key only) and nothing else; a version can only be
# destroyed after destroy_scheduled_duration (30 days), during which it can be restored, and Cloud
# Audit Logs record the DestroyCryptoKeyVersion call; a key ring and a key cannot be deleted at all.
# What it cannot prevent: a principal with cloudkms.admin or owner on the project can grant itself
# signing on this key (Cloud KMS key IAM has no explicit deny), so who holds those roles, and the
# SetIamPolicy entries in the Admin Activity log, are what an auditor asks to see; and whoever can
# act as the service account can sign. Nothing has to prevent export: Cloud KMS has no API that
# returns an asymmetric private key.

resource "google_kms_key_ring" "signing" {
  project  = var.project_id
  name     = "${var.bucket_name}-signing"
  location = var.kms_location
}

resource "google_kms_crypto_key" "checkpoints" {
  name     = "checkpoints"
  key_ring = google_kms_key_ring.signing.id
  purpose  = "ASYMMETRIC_SIGN"
  # 30 days between a request to destroy a version and its destruction.
  destroy_scheduled_duration = "2592000s"
  labels                     = var.labels

  version_template {
    algorithm        = "EC_SIGN_P256_SHA256"
    protection_level = var.signing_key_protection_level
  }

  lifecycle {
    prevent_destroy = true
  }
}

# On the key, not the key ring or project: the role means nothing for any other key.
resource "google_kms_crypto_key_iam_member" "agent_signs" {
  crypto_key_id = google_kms_crypto_key.checkpoints.id
  role          = "roles/cloudkms.signerVerifier"
  member        = "serviceAccount:${google_service_account.agent.email}"
}

# AsymmetricSign and GetPublicKey are Data Access (DATA_READ) calls, which Cloud Audit Logs does
# not record unless asked: without this the auditor would have no record of who signed.
resource "google_project_iam_audit_config" "kms_data_access" {
  count   = var.kms_data_access_logs ? 1 : 0
  project = var.project_id
  service = "cloudkms.googleapis.com"
  audit_log_config {
    log_type = "DATA_READ"
  }
}
