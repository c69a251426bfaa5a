"""The lake's location as a Dagster resource."""

import dagster as dg

from brewery_assets.lake import LakeLayout


class LakeResource(dg.ConfigurableResource):
    """Where the lake lives: a local folder (later also an S3 prefix). Hands out `LakeLayout` paths."""

    root: str

    @property
    def layout(self) -> LakeLayout:
        return LakeLayout(self.root)
