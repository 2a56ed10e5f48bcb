# The checkpoint signing key: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) whose private
# half never leaves KMS. The agent signs with it (signing.kms.keyId = output signing_key_arn);
# auditors verify with its public key (`evidence-agent keygen --kms <arn>`), so nobody, the
# vendor's administrators included, can re-sign a rewritten store with a key of their own.
#
# What the key policy below prevents, for every principal of this account (root included):
#   - signing by anyone but the agent's roles (an IAM policy cannot grant kms:Sign: explicit Deny);
#   - changing this policy (kms:PutKeyPolicy is denied to all, so it is fixed once created; to
#     change who signs, create a new key and hand the auditor its public key);
#   - grants (kms:CreateGrant), which could hand kms:Sign to someone else;
#   - disabling the key (kms:DisableKey) or replicating it to another region;
#   - deleting it without the 30-day waiting period: ScheduleKeyDeletion is refused with a shorter
#     window, and during those 30 days CancelKeyDeletion stays possible and CloudTrail shows it.
# What it cannot prevent:
#   - whoever can act as an agent role (assume it, run a pod with its ServiceAccount, read its
#     instance credentials) can sign; the roles' trust policies are part of this boundary, and
#     CloudTrail records every Sign with the caller and source;
#   - deletion after the 30-day window, and AWS Support restoring access to the account root for a
#     key that no principal can manage;
#   - nothing has to prevent export: KMS has no API that returns an asymmetric private key.
# Because the policy denies kms:PutKeyPolicy to the principal applying it, KMS's lockout safety
# check must be bypassed once; that is the point, not an oversight.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  # The roles that sign: the IRSA role created here, and existing roles by name.
  signer_role_arns = concat(
    [for name in var.agent_role_names : "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${name}"],
    aws_iam_role.agent[*].arn,
  )
}

data "aws_iam_policy_document" "signing_key" {
  # Administrators (through IAM) may read, tag, alias, enable, and schedule or cancel deletion;
  # nothing here lets them sign or change this policy.
  statement {
    sid    = "KeyAdministrationWithoutUse"
    effect = "Allow"
    actions = [
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:GetPublicKey",
      "kms:ListResourceTags",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:CreateAlias",
      "kms:UpdateAlias",
      "kms:DeleteAlias",
      "kms:EnableKey",
      "kms:Verify",
      "kms:ScheduleKeyDeletion",
      "kms:CancelKeyDeletion",
    ]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  # The agent: sign and read the public key, nothing else.
  statement {
    sid       = "AgentSignsOnly"
    effect    = "Allow"
    actions   = ["kms:Sign", "kms:GetPublicKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = local.signer_role_arns
    }
  }

  statement {
    sid       = "NobodyElseSigns"
    effect    = "Deny"
    actions   = ["kms:Sign"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = local.signer_role_arns
    }
  }

  statement {
    sid       = "PolicyFixedNoGrantsNoDisable"
    effect    = "Deny"
    actions   = ["kms:PutKeyPolicy", "kms:CreateGrant", "kms:DisableKey", "kms:ReplicateKey", "kms:UpdatePrimaryRegion"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }

  statement {
    sid       = "DeletionOnlyAfterThirtyDays"
    effect    = "Deny"
    actions   = ["kms:ScheduleKeyDeletion"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "NumericLessThan"
      variable = "kms:ScheduleKeyDeletionPendingWindowInDays"
      values   = ["30"]
    }
  }
}

resource "aws_kms_key" "signing" {
  description              = "evidence-agent: signs checkpoints of ${var.bucket_name}"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  multi_region             = false
  deletion_window_in_days  = 30
  policy                   = data.aws_iam_policy_document.signing_key.json
  # See the header: the policy denies kms:PutKeyPolicy to everyone on purpose.
  bypass_policy_lockout_safety_check = true
  tags                               = var.tags

  lifecycle {
    prevent_destroy = true
    precondition {
      condition     = length(local.signer_role_arns) > 0
      error_message = "The signing key needs a role to sign with: set agent_role_names or eks_oidc_provider_arn."
    }
  }
}

resource "aws_kms_alias" "signing" {
  name          = "alias/${var.bucket_name}-checkpoints"
  target_key_id = aws_kms_key.signing.key_id
}
