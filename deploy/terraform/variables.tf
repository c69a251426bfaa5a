# Inputs. Only aws_region and name_prefix have no default; see terraform.tfvars.example.

variable "aws_region" {
  description = "AWS Region of every resource (buckets, EMR Serverless application, log group, key)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name, e.g. \"acme-brewery-prod\". Bucket names are global: make it unique."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-42 characters of lowercase letters, digits and hyphens (it starts bucket names)."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of Project and ManagedBy)."
  type        = map(string)
  default     = {}
}

# --- Buckets -------------------------------------------------------------------------------------

variable "bronze_bucket_name" {
  description = "Name of the bronze bucket (raw API snapshots). Default: <name_prefix>-bronze."
  type        = string
  default     = null
}

variable "silver_bucket_name" {
  description = "Name of the silver bucket (cleaned Delta table). Default: <name_prefix>-silver."
  type        = string
  default     = null
}

variable "gold_bucket_name" {
  description = "Name of the gold bucket (aggregated Delta table). Default: <name_prefix>-gold."
  type        = string
  default     = null
}

variable "artifacts_bucket_name" {
  description = "Name of the bucket holding job code (entry points, packed Python environments). Default: <name_prefix>-artifacts."
  type        = string
  default     = null
}

variable "logs_bucket_name" {
  description = "Name of the bucket holding Dagster compute logs, EMR job logs and S3 access logs. Default: <name_prefix>-logs."
  type        = string
  default     = null
}

variable "bronze_infrequent_access_after_days" {
  description = "Days after which bronze snapshots move to STANDARD_IA (S3 requires at least 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.bronze_infrequent_access_after_days >= 30
    error_message = "S3 does not transition objects to STANDARD_IA before 30 days."
  }
}

variable "bronze_archive_after_days" {
  description = "Days after which bronze snapshots move to the archive storage class (at least 30 days after the STANDARD_IA transition)."
  type        = number
  default     = 180
}

variable "bronze_archive_storage_class" {
  description = "Archive storage class of old bronze snapshots: GLACIER (Flexible Retrieval) or DEEP_ARCHIVE."
  type        = string
  default     = "GLACIER"

  validation {
    condition     = contains(["GLACIER", "DEEP_ARCHIVE"], var.bronze_archive_storage_class)
    error_message = "bronze_archive_storage_class must be GLACIER or DEEP_ARCHIVE."
  }
}

variable "bronze_transition_minimum_object_size" {
  description = "S3 default minimum size of transitioned bronze objects: varies_by_storage_class (objects under 128 KiB still go to GLACIER/DEEP_ARCHIVE, not to STANDARD_IA) or all_storage_classes_128K (they never move)."
  type        = string
  default     = "varies_by_storage_class"

  validation {
    condition     = contains(["varies_by_storage_class", "all_storage_classes_128K"], var.bronze_transition_minimum_object_size)
    error_message = "bronze_transition_minimum_object_size must be varies_by_storage_class or all_storage_classes_128K."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted object versions are removed, in every bucket."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted, in every bucket."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "logs_expiration_days" {
  description = "Days after which objects in the logs bucket (compute logs, EMR logs, access logs) are deleted."
  type        = number
  default     = 400

  validation {
    condition     = var.logs_expiration_days >= 1
    error_message = "logs_expiration_days must be at least 1."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the customer-managed key is deleted after `terraform destroy` (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

# --- EMR Serverless ------------------------------------------------------------------------------

variable "emr_release_label" {
  description = "EMR release of the Spark application. emr-7.13.0 or later is needed for Spark Connect sessions."
  type        = string
  default     = "emr-7.13.0"

  validation {
    condition     = can(regex("^emr-[0-9]+\\.[0-9]+\\.[0-9]+$", var.emr_release_label))
    error_message = "emr_release_label looks like emr-7.13.0."
  }
}

variable "emr_architecture" {
  description = "CPU architecture of the workers: X86_64 or ARM64 (a custom image must match it)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.emr_architecture)
    error_message = "emr_architecture must be X86_64 or ARM64."
  }
}

variable "emr_max_cpu" {
  description = "Maximum vCPU across all workers of the application at any time, e.g. \"16 vCPU\"."
  type        = string
  default     = "16 vCPU"
}

variable "emr_max_memory" {
  description = "Maximum memory across all workers of the application at any time, e.g. \"64 GB\"."
  type        = string
  default     = "64 GB"
}

variable "emr_max_disk" {
  description = "Maximum disk across all workers of the application, e.g. \"400 GB\"; null leaves the service default."
  type        = string
  default     = null
}

variable "emr_idle_timeout_minutes" {
  description = "Minutes without jobs after which the application stops (and stops costing)."
  type        = number
  default     = 15

  validation {
    condition     = var.emr_idle_timeout_minutes >= 1 && var.emr_idle_timeout_minutes <= 10080
    error_message = "emr_idle_timeout_minutes must be between 1 and 10080."
  }
}

variable "emr_subnet_ids" {
  description = "Private subnets for the workers. Empty: no VPC configuration. With subnets, S3 and CloudWatch Logs must be reachable (gateway/interface endpoints or NAT)."
  type        = list(string)
  default     = []
}

variable "emr_security_group_ids" {
  description = "Security groups of the workers; required when emr_subnet_ids is set."
  type        = list(string)
  default     = []
}

variable "emr_image_uri" {
  description = "Custom EMR Serverless image (ECR URI) with the job's Python environment; null uses the release's default image."
  type        = string
  default     = null
}

variable "emr_writable_layers" {
  description = "Lake layers the EMR job role may write. Bronze is written by the Dagster ingestion, so Spark jobs only read it."
  type        = list(string)
  default     = ["silver", "gold"]

  validation {
    condition     = alltrue([for layer in var.emr_writable_layers : contains(["bronze", "silver", "gold"], layer)])
    error_message = "emr_writable_layers may only contain bronze, silver and gold."
  }
}

variable "enable_spark_connect_sessions" {
  description = "Let the Dagster role start and use EMR Serverless Spark Connect sessions (StartSession, GetSessionEndpoint, ...) on the application."
  type        = bool
  default     = false
}

# --- Logs ----------------------------------------------------------------------------------------

variable "emr_log_group_name" {
  description = "CloudWatch log group of EMR job logs (Dagster Pipes reads its messages there). Default: /aws/emr-serverless/<name_prefix>."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the EMR job log group, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the retention periods CloudWatch Logs accepts."
  }
}

# --- Dagster -------------------------------------------------------------------------------------

variable "dagster_trusted_services" {
  description = "AWS services that may assume the Dagster role, e.g. ec2.amazonaws.com (docker compose on EC2; an instance profile is created) or ecs-tasks.amazonaws.com."
  type        = list(string)
  default     = ["ec2.amazonaws.com"]
}

variable "dagster_trusted_role_arns" {
  description = "IAM roles/users that may assume the Dagster role (e.g. a CI or on-premises runner)."
  type        = list(string)
  default     = []
}

variable "dagster_writable_layers" {
  description = "Lake layers the Dagster processes may write. Bronze ingestion runs in the Dagster run worker; add silver/gold only if Spark runs in the Dagster run worker (SPARK_REMOTE, Spark Connect) rather than on EMR. The gold chart (visualizations/) is always granted."
  type        = list(string)
  default     = ["bronze"]

  validation {
    condition     = alltrue([for layer in var.dagster_writable_layers : contains(["bronze", "silver", "gold"], layer)])
    error_message = "dagster_writable_layers may only contain bronze, silver and gold."
  }
}

variable "anonymization_key_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the HMAC key of silver's anonymized copy (BREWERY_ANONYMIZATION_KEY_SECRET_ID). The job role and the Dagster role may read it; empty grants nothing. The secret itself is created outside this configuration so its value never enters Terraform state."
  type        = string
  default     = ""
}

# --- Query catalog (Glue, Athena) ----------------------------------------------------------------

variable "catalog_database_name" {
  description = "Glue Data Catalog database of the lake's tables. Default: <name_prefix>_lake with hyphens as underscores."
  type        = string
  default     = null

  validation {
    condition     = var.catalog_database_name == null || can(regex("^[a-z0-9_]{1,255}$", var.catalog_database_name))
    error_message = "catalog_database_name may hold only lower-case letters, digits and underscores (what Athena reads without quoting)."
  }
}

variable "athena_bytes_scanned_cutoff_per_query" {
  description = "Largest number of bytes one query of the Athena workgroup may scan before it is cancelled (at least 10 MB)."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.athena_bytes_scanned_cutoff_per_query >= 10485760
    error_message = "athena_bytes_scanned_cutoff_per_query must be at least 10485760 (10 MB), Athena's minimum."
  }
}
