# CloudWatch log group of the EMR job runs. Dagster Pipes (PipesEMRServerlessClient with
# PipesCloudWatchMessageReader) reads the driver's stdout/stderr streams here, so job runs must
# send their logs to this group (see the emr_job_monitoring_configuration output).

locals {
  emr_log_group_name = coalesce(var.emr_log_group_name, "/aws/emr-serverless/${var.name_prefix}")

  # Built from the name rather than read from the resource: the key policy needs it before the
  # log group exists.
  emr_log_group_arn = "arn:${data.aws_partition.current.partition}:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:log-group:${local.emr_log_group_name}"
}

resource "aws_cloudwatch_log_group" "emr" {
  name              = local.emr_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.lake.arn
}
