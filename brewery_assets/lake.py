"""Where each layer lives: under one lake root, or in a bucket (or prefix) of its own per layer.

    <bronze>/breweries/ingest_date=YYYY-MM-DD/   one snapshot per day, published whole
          _current                               names the published version; replaced atomically
          version=<UTC time>-<hex>/              one immutable version of the day's snapshot
              page-00001.jsonl ...               each API page as received, one record a line
              _manifest.json                     records, pages, total, checksums, extraction figures
    <silver>/breweries/                          Delta, one partition per location (location_id=...)
        runs/<run id>.<hex>/                     each run's candidate, committed without a copy (quality/wap.py)
    <silver>/breweries_rejected/                 Delta, records kept out of silver, with a reason
    <silver>/breweries_anonymized/               Delta, silver under a keyed pseudonym, generalised
    <silver>/brewery_history/                    Delta, one row per version of a brewery, by valid_to
    <gold>/brewery_counts/                       Delta, counts per (country, state, brewery_type)
    <gold>/brewery_changes/                      Delta, what appeared, disappeared or changed, by snapshot_date
    <gold>/brewery_counts_daily/                 Delta, counts per snapshot day, by snapshot_date
    <gold>/visualizations/                       the charts of gold and of the daily counts, PNG
    <root>/logs/                                 step stdout/stderr (dagster.yaml compute logs)

By default `<bronze>` is `<root>/bronze`, and so on; production points each layer at its own
bucket (`s3://<bronze bucket>/`, ...). Every location is a local path or an `s3://` URI.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from brewery_assets.storage import LakeStorage, is_s3, join, storage_for

MANIFEST_NAME = "_manifest.json"
# The per-day pointer object, and the prefix of the version folders it names.
CURRENT_NAME = "_current"
VERSION_PREFIX = "version="
CHART_NAME = "brewery_counts_by_type.png"
TREND_CHART_NAME = "brewery_counts_daily.png"


@dataclass(frozen=True)
class LakeLayout:
    """Locations of every table and snapshot of the lake.

    `root` gives the defaults; `bronze_uri`, `silver_uri` and `gold_uri` place a layer elsewhere
    (another bucket). `s3_client` is the boto3 client used for plain objects on S3 (a default
    client from the `AWS_*` environment when omitted).
    """

    root: str = ""
    bronze_uri: str = ""
    silver_uri: str = ""
    gold_uri: str = ""
    s3_client: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for layer in ("bronze", "silver", "gold"):
            if not getattr(self, f"{layer}_uri"):
                if not self.root:
                    raise ValueError(f"no location for the {layer} layer: set root or {layer}_uri")
                object.__setattr__(self, f"{layer}_uri", join(self.root, layer))

    @cached_property
    def _s3_client(self):
        if self.s3_client is not None:
            return self.s3_client
        import boto3

        return boto3.client("s3")

    def store(self, uri: str) -> LakeStorage:
        """The store holding `uri` (the local disk, or S3 through the layout's client)."""
        return storage_for(uri, self._s3_client if is_s3(uri) else None)

    def uris(self) -> dict[str, str]:
        """The layers' locations, enough to build the same layout elsewhere (`LakeLayout(**uris)`)."""
        return {"bronze_uri": self.bronze_uri, "silver_uri": self.silver_uri, "gold_uri": self.gold_uri}

    @property
    def bronze_root(self) -> str:
        return join(self.bronze_uri, "breweries")

    def bronze_day_dir(self, ingest_date: dt.date) -> str:
        """The folder of one ingestion day: its `_current` pointer and its versions."""
        return join(self.bronze_root, f"ingest_date={ingest_date.isoformat()}")

    def bronze_snapshot_dir(self, ingest_date: dt.date) -> str:
        """The folder holding the day's published snapshot (pages and manifest).

        It is the version that the day's `_current` object names. Without one it is the day folder
        itself, which holds a manifest only for snapshots written before versions existed.
        """
        day_dir = self.bronze_day_dir(ingest_date)
        try:
            version = self.store(day_dir).read_bytes(join(day_dir, CURRENT_NAME)).decode("utf-8").strip()
        except FileNotFoundError:
            return day_dir
        if not version.startswith(VERSION_PREFIX) or "/" in version:
            raise ValueError(f"{join(day_dir, CURRENT_NAME)} names {version!r}, which is not a version folder")
        return join(day_dir, version)

    @property
    def silver_breweries(self) -> str:
        return join(self.silver_uri, "breweries")

    @property
    def silver_rejected(self) -> str:
        """The quarantine: bronze records of the published snapshot that are not silver rows."""
        return join(self.silver_uri, "breweries_rejected")

    @property
    def silver_anonymized(self) -> str:
        """The anonymized copy of silver."""
        return join(self.silver_uri, "breweries_anonymized")

    @property
    def silver_brewery_history(self) -> str:
        """Every version of every brewery across the snapshot days (slowly changing dimension, type 2)."""
        return join(self.silver_uri, "brewery_history")

    @property
    def gold_brewery_counts(self) -> str:
        return join(self.gold_uri, "brewery_counts")

    @property
    def gold_brewery_changes(self) -> str:
        """Per snapshot day, the breweries that appeared, disappeared or changed since the day before."""
        return join(self.gold_uri, "brewery_changes")

    @property
    def gold_brewery_counts_daily(self) -> str:
        """Brewery counts per (country, state, brewery_type) on every snapshot day of the history."""
        return join(self.gold_uri, "brewery_counts_daily")

    @property
    def gold_chart(self) -> str:
        """The chart of the published gold table, next to it."""
        return join(self.gold_uri, "visualizations", CHART_NAME)

    @property
    def gold_trend_chart(self) -> str:
        """The chart of the daily counts over the snapshot days."""
        return join(self.gold_uri, "visualizations", TREND_CHART_NAME)
