# Buckets: one per lake layer (bronze, silver, gold), one for job code (artifacts) and one for logs.
#
# Each layer lives at the root of its bucket, as the production deployment writes it
# (brewery_assets/deployments.py, brewery_assets/lake.py):
#   s3://<bronze bucket>/breweries/ingest_date=YYYY-MM-DD/...
#   s3://<silver bucket>/breweries/                   (Delta; also breweries_rejected/, breweries_anonymized/, ...)
#   s3://<gold bucket>/brewery_counts/                (Delta; also visualizations/, ...)
# The logs bucket holds logs/ (Dagster compute logs), emr/ (EMR job logs) and s3-access/ (S3
# server access logs of the other buckets).

locals {
  layers = ["bronze", "silver", "gold"]

  lake_bucket_names = {
    bronze    = coalesce(var.bronze_bucket_name, "${var.name_prefix}-bronze")
    silver    = coalesce(var.silver_bucket_name, "${var.name_prefix}-silver")
    gold      = coalesce(var.gold_bucket_name, "${var.name_prefix}-gold")
    artifacts = coalesce(var.artifacts_bucket_name, "${var.name_prefix}-artifacts")
  }
  logs_bucket_name = coalesce(var.logs_bucket_name, "${var.name_prefix}-logs")

  # Prefixes inside the logs bucket.
  compute_logs_prefix = "logs/"
  emr_logs_prefix     = "emr/"
  access_logs_prefix  = "s3-access/"
}

# --- Lake and artifacts buckets (SSE-KMS with the lake key) --------------------------------------

resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV_AWS_144:Cross-region replication not wanted: bronze is re-fetchable from the public API and silver/gold are re-derived from bronze; versioning covers accidental deletes.
  #checkov:skip=CKV2_AWS_62:Event notifications not needed: Dagster schedules and sensors drive every read and write of these buckets.
  for_each = local.lake_bucket_names

  bucket = each.value
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  for_each = aws_s3_bucket.lake

  bucket = each.value.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  for_each = aws_s3_bucket.lake

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "lake" {
  for_each = aws_s3_bucket.lake

  bucket = each.value.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  for_each = aws_s3_bucket.lake

  bucket = each.value.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.lake.arn
    }
  }
}

resource "aws_s3_bucket_logging" "lake" {
  for_each = aws_s3_bucket.lake

  bucket        = each.value.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "${local.access_logs_prefix}${each.value.id}/"

  depends_on = [aws_s3_bucket_policy.logs]
}

# Bronze: daily snapshots are read while recent (silver is rebuilt from the latest one, change
# tracking compares it with the previous one) and kept as history afterwards.
resource "aws_s3_bucket_lifecycle_configuration" "bronze" {
  bucket = aws_s3_bucket.lake["bronze"].id

  # Bronze pages (200 records, about 80 KiB) are below the 128 KiB that S3 transitions by default:
  # with varies_by_storage_class they still reach the archive class, larger objects go through
  # STANDARD_IA first.
  transition_default_minimum_object_size = var.bronze_transition_minimum_object_size

  rule {
    id     = "bronze-snapshots-to-cold-storage"
    status = "Enabled"

    # The bronze bucket holds the bronze layer at its root: breweries/ingest_date=.../version=.../
    filter {
      prefix = "breweries/"
    }

    transition {
      days          = var.bronze_infrequent_access_after_days
      storage_class = "STANDARD_IA"
    }

    transition {
      days          = var.bronze_archive_after_days
      storage_class = var.bronze_archive_storage_class
    }
  }

  rule {
    id     = "noncurrent-versions-and-incomplete-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  lifecycle {
    precondition {
      condition     = var.bronze_archive_after_days >= var.bronze_infrequent_access_after_days + 30
      error_message = "bronze_archive_after_days must be at least 30 days after bronze_infrequent_access_after_days (S3 minimum stay in STANDARD_IA)."
    }
  }

  depends_on = [aws_s3_bucket_versioning.lake]
}

# Silver, gold and artifacts: Delta tables and job code are read at any time, so they stay in
# STANDARD; only old versions and failed uploads are cleaned up.
resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  for_each = { for name, bucket in aws_s3_bucket.lake : name => bucket if name != "bronze" }

  bucket = each.value.id

  rule {
    id     = "noncurrent-versions-and-incomplete-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.lake]
}

data "aws_iam_policy_document" "lake_bucket" {
  for_each = aws_s3_bucket.lake

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      each.value.arn,
      "${each.value.arn}/*",
    ]

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
}

resource "aws_s3_bucket_policy" "lake" {
  for_each = aws_s3_bucket.lake

  bucket = each.value.id
  policy = data.aws_iam_policy_document.lake_bucket[each.key].json

  depends_on = [aws_s3_bucket_public_access_block.lake]
}

# --- Logs bucket (SSE-S3) ------------------------------------------------------------------------

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target bucket; logging it into itself would log its own log deliveries in a loop.
  #checkov:skip=CKV_AWS_144:Cross-region replication not wanted: logs are operational data with a fixed retention, not a record to keep across a regional outage.
  #checkov:skip=CKV_AWS_145:S3 server access logging only delivers to target buckets with SSE-S3 default encryption, not SSE-KMS; objects are still encrypted at rest (AES256).
  #checkov:skip=CKV2_AWS_62:Event notifications not needed: nothing reacts to new log objects.
  bucket = local.logs_bucket_name
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.logs_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

data "aws_iam_policy_document" "logs_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.logs.arn,
      "${aws_s3_bucket.logs.arn}/*",
    ]

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

  # S3 server access logging delivers as the logging service; with ACLs disabled
  # (BucketOwnerEnforced) it needs this grant, limited to this account's lake buckets.
  statement {
    sid       = "AllowS3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/${local.access_logs_prefix}*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [for bucket in aws_s3_bucket.lake : bucket.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.logs]
}
