# The AWS Glue Data Catalog database and tables through which Athena queries the lake, an Athena
# workgroup, and the policy that lets a principal query them.
#
# Athena (engine version 3) reads Delta Lake tables natively: columns, partitions and files come
# from each table's _delta_log, so a catalog table holds only its location and its format
# (table_type DELTA for Athena, spark.sql.sources.provider delta for Spark engines) and never goes
# out of date when a table's columns change. The tables are where the Dagster deployment writes
# them: at the root of their layer's bucket (brewery_assets/lake.py with the bucket as the layer's
# location), e.g. s3://<silver bucket>/brewery_history/.

locals {
  catalog_database_name = coalesce(var.catalog_database_name, replace("${var.name_prefix}_lake", "-", "_"))

  catalog_tables = {
    silver_breweries = {
      layer       = "silver"
      path        = "breweries"
      description = "Breweries cleaned, typed and de-duplicated, one row per id, from the latest bronze snapshot."
    }
    silver_brewery_history = {
      layer       = "silver"
      path        = "brewery_history"
      description = "Every version of every brewery over the snapshot days: valid_from, valid_to (null while current), is_current, changed_fields."
    }
    gold_brewery_counts = {
      layer       = "gold"
      path        = "brewery_counts"
      description = "Breweries per (country, state, brewery_type) in the latest snapshot."
    }
    gold_brewery_changes = {
      layer       = "gold"
      path        = "brewery_changes"
      description = "Per snapshot day, the breweries that appeared, disappeared or changed since the day before."
    }
    gold_brewery_counts_daily = {
      layer       = "gold"
      path        = "brewery_counts_daily"
      description = "Breweries per (snapshot_date, country, state, brewery_type) on every snapshot day."
    }
  }
  catalog_table_locations = {
    for name, table in local.catalog_tables : name => "s3://${aws_s3_bucket.lake[table.layer].id}/${table.path}/"
  }

  # Query results go to the logs bucket, encrypted with the lake key, and expire with the logs.
  athena_results_prefix = "athena-results/"
}

resource "aws_glue_catalog_database" "lake" {
  name        = local.catalog_database_name
  description = "The brewery lake's silver and gold Delta tables, for Athena"
}

resource "aws_glue_catalog_table" "lake" {
  for_each = local.catalog_tables

  database_name = aws_glue_catalog_database.lake.name
  name          = each.key
  description   = each.value.description
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                     = "TRUE"
    table_type                   = "DELTA"
    "spark.sql.sources.provider" = "delta"
  }

  storage_descriptor {
    location = local.catalog_table_locations[each.key]

    ser_de_info {
      parameters = {
        path = local.catalog_table_locations[each.key]
      }
    }
  }
}

resource "aws_athena_workgroup" "lake" {
  name        = "${var.name_prefix}-lake"
  description = "Queries over the brewery lake's Glue tables; results encrypted with the lake key"

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff_per_query

    # Native Delta Lake reads need engine version 3.
    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "s3://${aws_s3_bucket.logs.id}/${local.athena_results_prefix}"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = aws_kms_key.lake.arn
      }
    }
  }
}

# --- Query policy --------------------------------------------------------------------------------
# Attach it to the roles or groups of the people and tools that query the lake: they may run
# queries in the workgroup, read the catalog tables and their files, and read their results.

data "aws_iam_policy_document" "lake_query" {
  statement {
    sid = "RunQueriesInTheWorkgroup"
    actions = [
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:GetQueryResultsStream",
      "athena:ListQueryExecutions",
      "athena:BatchGetQueryExecution",
      "athena:GetWorkGroup",
    ]
    resources = [aws_athena_workgroup.lake.arn]
  }

  statement {
    sid = "ReadTheCatalogTables"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
    ]
    resources = concat(
      ["arn:${local.partition}:glue:${var.aws_region}:${local.account_id}:catalog", aws_glue_catalog_database.lake.arn],
      [for table in aws_glue_catalog_table.lake : table.arn],
    )
  }

  statement {
    sid       = "LocateTheBuckets"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.lake["silver"].arn, aws_s3_bucket.lake["gold"].arn, aws_s3_bucket.logs.arn]
  }

  statement {
    sid       = "ListTheTables"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.lake["silver"].arn, aws_s3_bucket.lake["gold"].arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = flatten([for table in local.catalog_tables : [table.path, "${table.path}/*"]])
    }
  }

  statement {
    sid       = "ReadTheTables"
    actions   = ["s3:GetObject"]
    resources = [for table in local.catalog_tables : "${aws_s3_bucket.lake[table.layer].arn}/${table.path}/*"]
  }

  statement {
    sid       = "ListQueryResults"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.logs.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [local.athena_results_prefix, "${local.athena_results_prefix}*"]
    }
  }

  statement {
    sid = "WriteAndReadQueryResults"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = ["${aws_s3_bucket.logs.arn}/${local.athena_results_prefix}*"]
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
}

resource "aws_iam_policy" "lake_query" {
  name        = "${var.name_prefix}-lake-query"
  description = "Query the brewery lake with Athena: its workgroup, Glue tables, table files and query results"
  policy      = data.aws_iam_policy_document.lake_query.json
}
