output "bucket_name" {
  description = "The evidence bucket."
  value       = aws_s3_bucket.evidence.bucket
}

output "bucket_arn" {
  description = "ARN of the evidence bucket."
  value       = aws_s3_bucket.evidence.arn
}

output "store_url" {
  description = "Value for the agent's store.url."
  value       = var.key_prefix == "" ? "s3://${aws_s3_bucket.evidence.bucket}" : "s3://${aws_s3_bucket.evidence.bucket}/${trimsuffix(var.key_prefix, "/")}"
}

output "retention_days" {
  description = "The bucket's COMPLIANCE default retention; set store.retention.days to at most this."
  value       = var.retention_days
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the bucket."
  value       = aws_kms_key.evidence.arn
}

output "agent_policy_arn" {
  description = "ARN of the least-privilege IAM policy for the agent."
  value       = aws_iam_policy.agent.arn
}

output "agent_role_arn" {
  description = "ARN of the IRSA role (null unless eks_oidc_provider_arn is set); annotate the ServiceAccount with it as eks.amazonaws.com/role-arn."
  value       = try(aws_iam_role.agent[0].arn, null)
}

output "signing_key_arn" {
  description = "ARN of the checkpoint signing key: the agent's signing.kms.keyId (use the ARN, not the alias, which an administrator could point elsewhere). Auditors get its public key with `evidence-agent keygen --kms <arn>`."
  value       = aws_kms_key.signing.arn
}

output "signing_key_alias" {
  description = "Alias of the checkpoint signing key, for people."
  value       = aws_kms_alias.signing.name
}
