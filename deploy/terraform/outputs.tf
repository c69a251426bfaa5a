output "bucket_names" {
  description = "Bucket of each layer, of job code (artifacts) and of logs."
  value = merge(
    { for name, bucket in aws_s3_bucket.lake : name => bucket.id },
    { logs = aws_s3_bucket.logs.id },
  )
}

output "bronze_bucket" {
  description = "Bronze bucket; snapshots live under bronze/."
  value       = aws_s3_bucket.lake["bronze"].id
}

output "silver_bucket" {
  description = "Silver bucket; the Delta table lives under silver/."
  value       = aws_s3_bucket.lake["silver"].id
}

output "gold_bucket" {
  description = "Gold bucket; the Delta table lives under gold/."
  value       = aws_s3_bucket.lake["gold"].id
}

output "artifacts_bucket" {
  description = "Bucket of the job code read by EMR job runs."
  value       = aws_s3_bucket.lake["artifacts"].id
}

output "logs_bucket" {
  description = "Bucket of Dagster compute logs (logs/), EMR job logs (emr/) and S3 access logs (s3-access/)."
  value       = aws_s3_bucket.logs.id
}

output "kms_key_arn" {
  description = "Customer-managed key of the lake buckets and of the EMR log group."
  value       = aws_kms_key.lake.arn
}

output "emr_application_id" {
  description = "EMR Serverless application id (StartJobRun applicationId)."
  value       = aws_emrserverless_application.spark.id
}

output "emr_application_arn" {
  description = "EMR Serverless application ARN."
  value       = aws_emrserverless_application.spark.arn
}

output "emr_image_repository_url" {
  description = "ECR repository of the Spark jobs' image: push with deploy/emr/build.sh, then set emr_image_uri."
  value       = aws_ecr_repository.emr.repository_url
}

output "emr_job_role_arn" {
  description = "Runtime role of the job runs (StartJobRun executionRoleArn)."
  value       = aws_iam_role.emr_job.arn
}

output "dagster_role_arn" {
  description = "Role of the Dagster deployment."
  value       = aws_iam_role.dagster.arn
}

output "dagster_policy_arn" {
  description = "Managed policy of the Dagster deployment, to attach to another principal if needed."
  value       = aws_iam_policy.dagster.arn
}

output "dagster_instance_profile_name" {
  description = "Instance profile for an EC2 host running the docker compose deployment (null if ec2.amazonaws.com is not trusted)."
  value       = one(aws_iam_instance_profile.dagster[*].name)
}

output "emr_log_group_name" {
  description = "CloudWatch log group of the EMR job runs, read by Dagster Pipes."
  value       = aws_cloudwatch_log_group.emr.name
}

output "emr_job_monitoring_configuration" {
  description = "monitoringConfiguration for StartJobRun configurationOverrides: driver logs to the log group (Pipes reads them), all logs to the logs bucket."
  value = {
    cloudWatchLoggingConfiguration = {
      enabled      = true
      logGroupName = aws_cloudwatch_log_group.emr.name
      logTypes = {
        SPARK_DRIVER   = ["STDOUT", "STDERR"]
        SPARK_EXECUTOR = ["STDERR"]
      }
    }
    s3MonitoringConfiguration = {
      logUri = "s3://${aws_s3_bucket.logs.id}/${local.emr_logs_prefix}"
    }
  }
}

output "catalog_database_name" {
  description = "Glue Data Catalog database holding the lake's tables (Athena's database)."
  value       = aws_glue_catalog_database.lake.name
}

output "catalog_table_locations" {
  description = "Each Glue table of the lake and the S3 location of its Delta table."
  value       = local.catalog_table_locations
}

output "athena_workgroup_name" {
  description = "Athena workgroup for queries over the lake (engine version 3, results encrypted with the lake key)."
  value       = aws_athena_workgroup.lake.name
}

output "lake_query_policy_arn" {
  description = "Managed policy to attach to whoever queries the lake with Athena."
  value       = aws_iam_policy.lake_query.arn
}

output "dagster_environment" {
  description = "Environment variables of the Dagster deployment (deploy/docker/docker-compose.yml) that come from this configuration."
  value = merge({
    AWS_REGION                  = var.aws_region
    DAGSTER_COMPUTE_LOGS_BUCKET = aws_s3_bucket.logs.id
    BREWERY_BRONZE_BUCKET       = aws_s3_bucket.lake["bronze"].id
    BREWERY_SILVER_BUCKET       = aws_s3_bucket.lake["silver"].id
    BREWERY_GOLD_BUCKET         = aws_s3_bucket.lake["gold"].id
    BREWERY_ARTIFACTS_BUCKET    = aws_s3_bucket.lake["artifacts"].id
    BREWERY_LOGS_BUCKET         = aws_s3_bucket.logs.id
    BREWERY_EMR_APPLICATION_ID  = aws_emrserverless_application.spark.id
    BREWERY_EMR_JOB_ROLE_ARN    = aws_iam_role.emr_job.arn
    BREWERY_EMR_LOG_GROUP       = aws_cloudwatch_log_group.emr.name
    BREWERY_EMR_LOG_URI         = "s3://${aws_s3_bucket.logs.id}/${local.emr_logs_prefix}"
    }, var.anonymization_key_secret_arn == "" ? {} : {
    BREWERY_ANONYMIZATION_KEY_SECRET_ID = var.anonymization_key_secret_arn
  })
}
