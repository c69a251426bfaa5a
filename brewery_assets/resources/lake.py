"""The lake's location as a Dagster resource."""

import dagster as dg
from dagster_aws.s3 import S3Resource
from pydantic import Field

from brewery_assets.lake import LakeLayout
from brewery_assets.storage import is_s3


class LakeResource(dg.ConfigurableResource):
    """Where the lake lives: one root (a local folder or `s3://bucket/prefix`), or a bucket per layer.

    Plain objects on S3 (bronze pages, manifests, pointers, the chart) go through dagster-aws's
    `S3Resource` client; Delta tables through Spark and `deltalake`. Both honour the standard
    `AWS_*` variables, `AWS_ENDPOINT_URL` included, so any S3-compatible server works.
    """

    root: str = Field(default="", description="Lake root; each layer defaults to <root>/<layer>.")
    bronze_uri: str = Field(default="", description="Where bronze lives instead of <root>/bronze.")
    silver_uri: str = Field(default="", description="Where silver lives instead of <root>/silver.")
    gold_uri: str = Field(default="", description="Where gold lives instead of <root>/gold.")
    s3_region_name: str | None = Field(default=None, description="AWS region of the buckets (else AWS_REGION).")
    s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint, e.g. MinIO (else AWS_ENDPOINT_URL, else AWS)."
    )

    @property
    def layout(self) -> LakeLayout:
        uris = (self.root, self.bronze_uri, self.silver_uri, self.gold_uri)
        client = None
        if any(is_s3(uri) for uri in uris):
            client = S3Resource(region_name=self.s3_region_name, endpoint_url=self.s3_endpoint_url).get_client()
        return LakeLayout(self.root, self.bronze_uri, self.silver_uri, self.gold_uri, s3_client=client)
