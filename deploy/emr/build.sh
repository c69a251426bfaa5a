#!/usr/bin/env bash
# Builds the EMR Serverless image of the lake's Spark jobs and pushes it to ECR; prints its URI for
# Terraform's `emr_image_uri`.
#   deploy/emr/build.sh <account>.dkr.ecr.<region>.amazonaws.com/brewery-emr <tag> [emr release] [platform]
set -euo pipefail
repository="$1"
tag="$2"
release="${3:-emr-7.13.0}"
platform="${4:-linux/amd64}"   # linux/arm64 with emr_architecture = ARM64
cd "$(dirname "$0")"
registry="${repository%%/*}"
region="$(echo "$registry" | cut -d. -f4)"
# The EMR base image comes from the public ECR gallery; the result goes to the account's ECR.
aws ecr-public get-login-password --region us-east-1 | docker login --username AWS --password-stdin public.ecr.aws
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
docker build --platform "$platform" --build-arg EMR_RELEASE="$release" -t "$repository:$tag" .
docker push "$repository:$tag"
echo "$repository:$tag"
