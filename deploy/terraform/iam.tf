# Two identities:
# - the EMR job role, assumed by EMR Serverless for the job runs of this one application: reads job
#   code and the lake, writes the layers it produces, writes its logs;
# - the Dagster role and policy (webserver, daemon, code location and run workers): starts and
#   watches job runs on this one application, passes only the job role, reads the job logs in
#   CloudWatch (Dagster Pipes messages), writes bronze and its compute logs.
# Object access is limited to each layer's prefix in its bucket.

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  layer_bucket_arns = [for layer in local.layers : aws_s3_bucket.lake[layer].arn]
  # Each layer lives at the root of its own bucket (s3://<silver bucket>/breweries/...), as the
  # production deployment writes it (brewery_assets/deployments.py).
  layer_object_arns = { for layer in local.layers : layer => "${aws_s3_bucket.lake[layer].arn}/*" }

  emr_application_arn = aws_emrserverless_application.spark.arn
}

# --- EMR job role --------------------------------------------------------------------------------

data "aws_iam_policy_document" "emr_job_trust" {
  statement {
    sid     = "EmrServerlessJobRunsOfThisApplication"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.emr_application_arn]
    }
  }
}

resource "aws_iam_role" "emr_job" {
  name               = "${var.name_prefix}-emr-job"
  description        = "Runtime role of the brewery lake Spark jobs on EMR Serverless"
  assume_role_policy = data.aws_iam_policy_document.emr_job_trust.json
}

data "aws_iam_policy_document" "emr_job" {
  statement {
    sid       = "ReadJobArtifacts"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.lake["artifacts"].arn}/*"]
  }

  # Listing is granted on whole buckets: each bucket holds a single layer (or only job code), and
  # Spark's S3 clients probe and list paths in ways an s3:prefix condition would break.
  statement {
    sid       = "ListArtifactsAndLakeBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = concat([aws_s3_bucket.lake["artifacts"].arn], local.layer_bucket_arns)
  }

  statement {
    sid       = "ReadLakeLayers"
    actions   = ["s3:GetObject"]
    resources = values(local.layer_object_arns)
  }

  dynamic "statement" {
    for_each = length(var.emr_writable_layers) > 0 ? [1] : []

    content {
      sid = "WriteLakeLayers"
      actions = [
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ]
      resources = [for layer in var.emr_writable_layers : local.layer_object_arns[layer]]
    }
  }

  statement {
    sid       = "WriteJobLogsToS3"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/${local.emr_logs_prefix}*"]
  }

  statement {
    sid       = "UseLakeKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.lake.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.aws_region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "WriteJobLogStreams"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [aws_cloudwatch_log_group.emr.arn, "${aws_cloudwatch_log_group.emr.arn}:*"]
  }

  statement {
    # Wildcard: DescribeLogGroups is a list action that cannot be scoped to one log group; EMR
    # Serverless calls it to find the configured group. It reveals group names, not log events.
    sid       = "FindJobLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:*"]
  }
  dynamic "statement" {
    for_each = var.anonymization_key_secret_arn != "" ? [1] : []

    content {
      sid       = "ReadAnonymizationKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.anonymization_key_secret_arn]
    }
  }
}

resource "aws_iam_role_policy" "emr_job" {
  name   = "brewery-lake-job"
  role   = aws_iam_role.emr_job.id
  policy = data.aws_iam_policy_document.emr_job.json
}

# --- Dagster role and policy ---------------------------------------------------------------------

data "aws_iam_policy_document" "dagster_trust" {
  dynamic "statement" {
    for_each = length(var.dagster_trusted_services) > 0 ? [1] : []

    content {
      sid     = "TrustedServices"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "Service"
        identifiers = var.dagster_trusted_services
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.dagster_trusted_role_arns) > 0 ? [1] : []

    content {
      sid     = "TrustedPrincipals"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = var.dagster_trusted_role_arns
      }
    }
  }
}

resource "aws_iam_role" "dagster" {
  name               = "${var.name_prefix}-dagster"
  description        = "Dagster webserver, daemon, code location and run workers of the brewery lake"
  assume_role_policy = data.aws_iam_policy_document.dagster_trust.json

  lifecycle {
    precondition {
      condition     = length(var.dagster_trusted_services) + length(var.dagster_trusted_role_arns) > 0
      error_message = "Set dagster_trusted_services or dagster_trusted_role_arns: someone must be able to assume the Dagster role."
    }
  }
}

data "aws_iam_policy_document" "dagster" {
  statement {
    sid = "StartJobRunsOnTheApplication"
    actions = [
      "emr-serverless:StartJobRun",
      "emr-serverless:GetApplication",
      "emr-serverless:ListJobRuns",
    ]
    resources = [local.emr_application_arn]
  }

  statement {
    sid = "WatchAndCancelJobRuns"
    actions = [
      "emr-serverless:GetJobRun",
      "emr-serverless:CancelJobRun",
      "emr-serverless:GetDashboardForJobRun",
      "emr-serverless:TagResource",
    ]
    resources = ["${local.emr_application_arn}/jobruns/*"]
  }

  dynamic "statement" {
    for_each = var.enable_spark_connect_sessions ? [1] : []

    content {
      sid = "SparkConnectSessionsOnTheApplication"
      actions = [
        "emr-serverless:StartSession",
        "emr-serverless:GetSession",
        "emr-serverless:GetSessionEndpoint",
        "emr-serverless:ListSessions",
        "emr-serverless:TerminateSession",
        "emr-serverless:GetResourceDashboard",
      ]
      resources = [local.emr_application_arn, "${local.emr_application_arn}/*"]
    }
  }

  statement {
    sid       = "PassOnlyTheJobRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.emr_job.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["emr-serverless.amazonaws.com"]
    }
  }

  statement {
    sid       = "ReadJobLogsForPipes"
    actions   = ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:DescribeLogStreams"]
    resources = [aws_cloudwatch_log_group.emr.arn, "${aws_cloudwatch_log_group.emr.arn}:*"]
  }

  # Whole-bucket listing of the single-layer buckets, as for the job role.
  statement {
    sid       = "ListLakeBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = local.layer_bucket_arns
  }

  statement {
    sid       = "ReadLakeLayers"
    actions   = ["s3:GetObject"]
    resources = values(local.layer_object_arns)
  }

  dynamic "statement" {
    for_each = length(var.dagster_writable_layers) > 0 ? [1] : []

    content {
      sid = "WriteLakeLayers"
      actions = [
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
      ]
      resources = [for layer in var.dagster_writable_layers : local.layer_object_arns[layer]]
    }
  }

  # The gold asset draws its chart in the Dagster run worker, from the published gold table.
  statement {
    sid       = "WriteGoldChart"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.lake["gold"].arn}/visualizations/*"]
  }

  statement {
    sid       = "ListComputeLogs"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.logs.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [local.compute_logs_prefix, "${local.compute_logs_prefix}*"]
    }
  }

  statement {
    sid       = "ReadWriteComputeLogs"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.logs.arn}/${local.compute_logs_prefix}*"]
  }

  statement {
    sid       = "UseLakeKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.lake.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.aws_region}.amazonaws.com"]
    }
  }
  dynamic "statement" {
    for_each = var.anonymization_key_secret_arn != "" ? [1] : []

    content {
      sid       = "ReadAnonymizationKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.anonymization_key_secret_arn]
    }
  }
}

resource "aws_iam_policy" "dagster" {
  name        = "${var.name_prefix}-dagster"
  description = "Dagster of the brewery lake: EMR Serverless job runs, job logs, lake and compute logs"
  policy      = data.aws_iam_policy_document.dagster.json
}

resource "aws_iam_role_policy_attachment" "dagster" {
  role       = aws_iam_role.dagster.name
  policy_arn = aws_iam_policy.dagster.arn
}

# For docker compose on an EC2 host: the containers get the role's credentials from the instance
# metadata service (set the metadata hop limit to 2 so that containers can reach it).
resource "aws_iam_instance_profile" "dagster" {
  count = contains(var.dagster_trusted_services, "ec2.amazonaws.com") ? 1 : 0

  name = "${var.name_prefix}-dagster"
  role = aws_iam_role.dagster.name
}
