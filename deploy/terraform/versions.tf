# Terraform and provider versions, the provider itself, and the account it runs in.

terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  # State: keep it remote and encrypted in production. Add a partial backend here, e.g.
  #   backend "s3" {}
  # and pass bucket/key/region (and use_lockfile or dynamodb_table) with
  # `terraform init -backend-config=...`. Left out so that `terraform init` works as is.
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(
      {
        Project   = "brewery-lake"
        ManagedBy = "terraform"
      },
      var.tags,
    )
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
