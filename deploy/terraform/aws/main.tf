# An S3 bucket that keeps evidence-agent records immutable, and the narrowest IAM policy the
# agent can run with. Usable as a root module (credentials and region from the usual AWS
# environment) or as a child module.
#
# WARNING: COMPLIANCE-mode Object Lock cannot be shortened or lifted by anyone, the account root
# user included, until each object's retention ends. Every object written here stays (and is
# billed) for `retention_days`. Try this in a scratch account with a short retention first.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

locals {
  bucket_arn = aws_s3_bucket.evidence.arn
  # The agent may only touch keys under its prefix (empty: the whole bucket).
  objects_arn = "${aws_s3_bucket.evidence.arn}/${var.key_prefix}*"
  # IRSA trust conditions are keyed by the OIDC issuer host/path, which is the provider ARN's tail.
  oidc_issuer = var.eks_oidc_provider_arn == null ? "" : element(split("oidc-provider/", var.eks_oidc_provider_arn), 1)
}

# ---------------------------------------------------------------------------------------------
# Encryption key. Part of the immutability boundary: whoever can disable or delete this key can
# make the locked bytes unreadable. Rotation on, the longest deletion window, and protection from
# `terraform destroy`; guard kms:ScheduleKeyDeletion and kms:DisableKey for this key with an SCP
# as well. The default key policy (account root) is kept so that IAM policies such as the agent's
# below decide who may use it.
resource "aws_kms_key" "evidence" {
  description             = "evidence-agent: encrypts the evidence bucket ${var.bucket_name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  tags                    = var.tags

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "evidence" {
  name          = "alias/${var.bucket_name}"
  target_key_id = aws_kms_key.evidence.key_id
}

# ---------------------------------------------------------------------------------------------
# The bucket. Object Lock can only be turned on when a bucket is created.
resource "aws_s3_bucket" "evidence" {
  bucket              = var.bucket_name
  object_lock_enabled = true
  # Never empty the bucket to delete it; locked objects could not be deleted anyway.
  force_destroy = false
  tags          = var.tags

  lifecycle {
    prevent_destroy = true
  }
}

# Object Lock requires versioning; it also means an overwrite attempt leaves the original version
# in place, where `evidence-agent verify` finds and reports it.
resource "aws_s3_bucket_versioning" "evidence" {
  bucket = aws_s3_bucket.evidence.id
  versioning_configuration {
    status = "Enabled"
  }
}

# COMPLIANCE default retention: every new object version is locked on arrival, without the agent
# setting retention itself (so its credentials need no s3:PutObjectRetention). GOVERNANCE would
# not do: it can be bypassed with s3:BypassGovernanceRetention.
resource "aws_s3_bucket_object_lock_configuration" "evidence" {
  bucket = aws_s3_bucket.evidence.id

  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = var.retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.evidence]
}

# SSE-KMS with the key above; bucket keys cut KMS requests (and cost) for many small records.
resource "aws_s3_bucket_server_side_encryption_configuration" "evidence" {
  bucket = aws_s3_bucket.evidence.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.evidence.arn
    }
    bucket_key_enabled = true
  }
}

# No ACL or policy can ever make this bucket or its objects public.
resource "aws_s3_bucket_public_access_block" "evidence" {
  bucket                  = aws_s3_bucket.evidence.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: access is decided by IAM and the bucket policy alone.
resource "aws_s3_bucket_ownership_controls" "evidence" {
  bucket = aws_s3_bucket.evidence.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# ---------------------------------------------------------------------------------------------
# Bucket policy: rules that hold for every principal, whatever IAM grants them.
data "aws_iam_policy_document" "bucket" {
  # TLS only.
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Create-only writes: a PUT must carry `If-None-Match: *`, so S3 itself refuses to replace an
  # existing key (the agent always sends it). Without the header the request is denied, which
  # also rules out unconditional overwrites by any other writer. Multipart uploads, which the
  # agent does not use, are refused too since their parts carry no such header.
  statement {
    sid       = "DenyPutObjectWithoutIfNoneMatch"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Null"
      variable = "s3:if-none-match"
      values   = ["true"]
    }
  }

  # Object Lock stops versions from being deleted, but a DELETE without a version id still adds a
  # delete marker that hides the record. Nobody needs that here; refuse it for everyone. (Lifecycle
  # rules are not subject to bucket policies, so expiry after retention stays possible.)
  statement {
    sid       = "DenyObjectDeletion"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["${local.bucket_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "evidence" {
  bucket = aws_s3_bucket.evidence.id
  policy = data.aws_iam_policy_document.bucket.json

  # S3 rejects a policy while the public access block is being applied.
  depends_on = [aws_s3_bucket_public_access_block.evidence]
}

# ---------------------------------------------------------------------------------------------
# The agent's policy: write new objects, read them back (verify, head-of-chain lookup, the
# look-before-write check), and read the bucket settings the preflight and the evidence-store
# collector report. Nothing that deletes, changes retention or configuration, or bypasses
# governance: a stolen agent credential can add evidence but not remove or weaken any.
data "aws_iam_policy_document" "agent" {
  statement {
    sid       = "ListEvidence"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions"]
    resources = [local.bucket_arn]
  }

  statement {
    sid    = "ReadBucketPosture"
    effect = "Allow"
    actions = [
      "s3:GetBucketVersioning",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:GetBucketPublicAccessBlock",
    ]
    resources = [local.bucket_arn]
  }

  statement {
    sid    = "WriteAndReadEvidence"
    effect = "Allow"
    actions = [
      "s3:PutObject",
      "s3:GetObject",
      "s3:GetObjectVersion",
      # Lets HeadObject return each object's lock, which verify checks; reading only.
      "s3:GetObjectRetention",
    ]
    resources = [local.objects_arn]
  }

  # The bucket's KMS key, and only through S3 requests.
  statement {
    sid       = "UseEvidenceKeyThroughS3"
    effect    = "Allow"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.evidence.arn]
    condition {
      test     = "StringLike"
      variable = "kms:ViaService"
      values   = ["s3.*.amazonaws.com"]
    }
  }

  # Explicit denials, so that a broader policy attached to the same role later still cannot
  # give the agent these. An explicit Deny wins over any Allow.
  statement {
    sid    = "NeverDeleteOrUnlock"
    effect = "Deny"
    actions = [
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:DeleteBucket",
      "s3:PutObjectRetention",
      "s3:PutObjectLegalHold",
      "s3:BypassGovernanceRetention",
      "s3:PutBucketObjectLockConfiguration",
      "s3:PutBucketVersioning",
      "s3:PutBucketPolicy",
      "s3:DeleteBucketPolicy",
      "s3:PutLifecycleConfiguration",
      "s3:PutEncryptionConfiguration",
      "s3:PutBucketPublicAccessBlock",
    ]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
  }
}

resource "aws_iam_policy" "agent" {
  name        = "${var.bucket_name}-agent"
  description = "evidence-agent: create-only writes and reads on ${var.bucket_name}"
  policy      = data.aws_iam_policy_document.agent.json
  tags        = var.tags
}

# Attach to roles you already have (an EC2 instance role, an EKS Pod Identity role, …).
resource "aws_iam_role_policy_attachment" "existing" {
  for_each   = toset(var.agent_role_names)
  role       = each.value
  policy_arn = aws_iam_policy.agent.arn
}

# Optional IRSA role for the Kubernetes ServiceAccount in deploy/kubernetes: only that service
# account in that namespace of that cluster can assume it.
data "aws_iam_policy_document" "irsa_trust" {
  count = var.eks_oidc_provider_arn == null ? 0 : 1

  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.kubernetes_namespace}:${var.kubernetes_service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "agent" {
  count              = var.eks_oidc_provider_arn == null ? 0 : 1
  name               = "${var.bucket_name}-agent"
  description        = "evidence-agent on EKS (IRSA)"
  assume_role_policy = data.aws_iam_policy_document.irsa_trust[0].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "irsa" {
  count      = var.eks_oidc_provider_arn == null ? 0 : 1
  role       = aws_iam_role.agent[0].name
  policy_arn = aws_iam_policy.agent.arn
}
