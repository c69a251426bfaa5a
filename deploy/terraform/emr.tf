# The EMR Serverless Spark application that runs the silver and gold transformations as batch job
# runs (StartJobRun, launched by Dagster Pipes) or, from emr-7.13.0, Spark Connect sessions.
#
# It costs nothing while stopped: it starts on the first job submission and stops after
# emr_idle_timeout_minutes without jobs. maximum_capacity caps what all jobs together can use.
#
# Log delivery (CloudWatch group, S3 URI) is set per job run in configurationOverrides: the
# application-level monitoring_configuration argument only exists from AWS provider 6.19, and this
# configuration stays on provider 5.x.

resource "aws_emrserverless_application" "spark" {
  name          = "${var.name_prefix}-spark"
  release_label = var.emr_release_label
  type          = "spark"
  architecture  = var.emr_architecture

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = var.emr_idle_timeout_minutes
  }

  maximum_capacity {
    cpu    = var.emr_max_cpu
    memory = var.emr_max_memory
    disk   = var.emr_max_disk
  }

  dynamic "network_configuration" {
    for_each = length(var.emr_subnet_ids) > 0 ? [1] : []

    content {
      subnet_ids         = var.emr_subnet_ids
      security_group_ids = var.emr_security_group_ids
    }
  }

  dynamic "image_configuration" {
    for_each = var.emr_image_uri == null ? [] : [var.emr_image_uri]

    content {
      image_uri = image_configuration.value
    }
  }

  lifecycle {
    precondition {
      condition     = length(var.emr_subnet_ids) == 0 || length(var.emr_security_group_ids) > 0
      error_message = "emr_security_group_ids must be set when emr_subnet_ids is set."
    }
  }
}
