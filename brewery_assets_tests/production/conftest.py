"""A real S3-compatible server (moto's server mode) on loopback, and the AWS environment pointing at it."""

import boto3
import pytest

REGION = "us-east-1"


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's server on a free loopback port, for the whole module; yields its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(s3_endpoint, monkeypatch):
    """The standard AWS variables every client here reads (boto3, the embedded engine, deltalake)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": s3_endpoint,
        # The local server speaks plain HTTP; the embedded engine and deltalake refuse it otherwise.
        "AWS_ALLOW_HTTP": "true",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3_endpoint


@pytest.fixture
def buckets(aws_env, request):
    """A fresh bucket per layer (bronze, silver, gold) for one test; yields their names."""
    s3 = boto3.client("s3")
    prefix = f"t{abs(hash(request.node.nodeid)) % 10**8}"
    names = {layer: f"{prefix}-brewery-{layer}" for layer in ("bronze", "silver", "gold")}
    for name in names.values():
        s3.create_bucket(Bucket=name)
    return names


def s3_keys(bucket: str, prefix: str = "") -> list[str]:
    """Every object key in the bucket (under `prefix`)."""
    paginator = boto3.client("s3").get_paginator("list_objects_v2")
    return sorted(item["Key"] for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
                  for item in page.get("Contents", []))
