# The ECR repository of the Spark jobs' custom image (deploy/emr/: the EMR release's image plus the
# job's Python 3.11 environment). Push with deploy/emr/build.sh, then set emr_image_uri to the image.
# EMR Serverless pulls it with its own service principal, only for this account's applications.

resource "aws_ecr_repository" "emr" {
  #checkov:skip=CKV_AWS_136:The image holds code and public packages, no data; ECR's default AES-256 encryption spares granting EMR Serverless's service principal the lake key to pull it.
  name                 = "${var.name_prefix}-emr"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

data "aws_iam_policy_document" "emr_image_pull" {
  statement {
    sid     = "EmrServerlessPullsTheJobImage"
    actions = ["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer"]

    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_ecr_repository_policy" "emr" {
  repository = aws_ecr_repository.emr.name
  policy     = data.aws_iam_policy_document.emr_image_pull.json
}
