"""Where each layer lives under the lake root.

    <root>/
      bronze/breweries/ingest_date=YYYY-MM-DD/   one snapshot per day, published whole
          _current                               names the published version; replaced atomically
          version=<UTC time>-<hex>/              one immutable version of the day's snapshot
              page-00001.jsonl ...               each API page as received, one record a line
              _manifest.json                     records, pages, total, checksums, extraction figures
      bronze/breweries/_staging/                 snapshots being written (never read)
      silver/breweries/                          Delta, partitioned by country and state
      silver/breweries_rejected/                 Delta, records kept out of silver, with a reason
      silver/breweries_anonymized/               Delta, silver with identifying columns hashed
      silver/_staging/, gold/_staging/           candidates audited before publishing (quality/wap.py)
      gold/brewery_counts/                       Delta, counts per (country, state, brewery_type)
      gold/visualizations/                       the chart of gold, PNG
      logs/                                      step stdout/stderr (dagster.yaml compute logs)
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "_manifest.json"
# The per-day pointer file, and the prefix of the version folders it names.
CURRENT_NAME = "_current"
VERSION_PREFIX = "version="


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

    def bronze_day_dir(self, ingest_date: dt.date) -> Path:
        """The folder of one ingestion day: its `_current` pointer and its versions."""
        return self.bronze_root / f"ingest_date={ingest_date.isoformat()}"

    def bronze_snapshot_dir(self, ingest_date: dt.date) -> Path:
        """The folder holding the day's published snapshot (pages and manifest).

        It is the version that the day's `_current` file names. Without that file it is the day folder
        itself, which holds a manifest only for snapshots written before versions existed.
        """
        day_dir = self.bronze_day_dir(ingest_date)
        try:
            version = (day_dir / CURRENT_NAME).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return day_dir
        if not version.startswith(VERSION_PREFIX) or "/" in version:
            raise ValueError(f"{day_dir / CURRENT_NAME} names {version!r}, which is not a version folder")
        return day_dir / version

    @property
    def silver_breweries(self) -> str:
        return str(Path(self.root) / "silver" / "breweries")

    @property
    def gold_brewery_counts(self) -> str:
        return str(Path(self.root) / "gold" / "brewery_counts")
