"""Where each layer lives under the lake root.

    <root>/
      bronze/breweries/ingest_date=YYYY-MM-DD/   one snapshot per day, published whole
          page-00001.jsonl ...                   each API page as received, one record a line
          _manifest.json                         written last: records, pages, total, checksums
      bronze/breweries/_staging/                 snapshots being written (never read)
      silver/breweries/                          Delta, partitioned by country and state
      gold/brewery_counts/                       Delta, counts per (country, state, brewery_type)
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "_manifest.json"


@dataclass(frozen=True)
class LakeLayout:
    """Paths of every table and snapshot under one lake root."""

    root: str

    @property
    def bronze_root(self) -> Path:
        return Path(self.root) / "bronze" / "breweries"

    @property
    def bronze_staging(self) -> Path:
        return self.bronze_root / "_staging"

    def bronze_snapshot_dir(self, ingest_date: dt.date) -> Path:
        return self.bronze_root / f"ingest_date={ingest_date.isoformat()}"

    @property
    def silver_breweries(self) -> str:
        return str(Path(self.root) / "silver" / "breweries")

    @property
    def gold_brewery_counts(self) -> str:
        return str(Path(self.root) / "gold" / "brewery_counts")
