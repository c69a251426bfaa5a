# The customer-managed key of the lake: default encryption of the bronze, silver, gold and
# artifacts buckets, and encryption at rest of the EMR job log group. (The logs bucket uses SSE-S3:
# S3 server access logging cannot deliver to a bucket whose default encryption is SSE-KMS.)

data "aws_iam_policy_document" "lake_key" {
  #checkov:skip=CKV_AWS_109:Key policy, not an identity policy: Resource "*" means this key only, and the account-root statement is the AWS default that keeps the key manageable through IAM.
  #checkov:skip=CKV_AWS_111:Key policy, not an identity policy: Resource "*" means this key only; who may use the key is then decided by the IAM policies in iam.tf.
  #checkov:skip=CKV_AWS_356:Key policy, not an identity policy: in a key policy Resource must be "*" and refers to the key itself.

  statement {
    # Wildcard: the account-root statement with kms:* on "*" is the default key policy. It delegates
    # access control to IAM; without it the key can become unmanageable. In a key policy, "*" is
    # this key only.
    sid       = "EnableIamPolicies"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    # Wildcard: CloudWatch Logs needs these action families to encrypt the log group; the condition
    # limits them to the one EMR job log group. In a key policy, "*" is this key only.
    sid = "CloudWatchLogsEmrLogGroup"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.emr_log_group_arn]
    }
  }
}

resource "aws_kms_key" "lake" {
  description             = "${var.name_prefix}: brewery lake buckets and EMR job logs"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.lake_key.json
}

resource "aws_kms_alias" "lake" {
  name          = "alias/${var.name_prefix}-lake"
  target_key_id = aws_kms_key.lake.key_id
}
