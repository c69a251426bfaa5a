"""Partitions: bronze by ingestion day, silver by location.

Silver's keys are locations, `Country/State` (see `brewery_assets.locations`), registered by the
bronze asset as it finds them. They are one dynamic dimension on purpose: a country x state
multi-partition would be a full cross product with thousands of pairs that do not exist.

How the two kinds meet: silver depends on bronze through `LastPartitionMapping`, so every silver
partition is built from the newest complete bronze snapshot, whichever day that is. Backfilling
older bronze days adds history and never changes silver; a bronze day newer than the others is what
the next silver refresh reads.

Location lifecycle:
- appears: the bronze run that first sees a (country, state) registers its key; the key exists
  from then on and is selectable in the UI, the CLI and GraphQL.
- disappears from the source: its key stays registered (its materialization history stays
  browsable, and a location that comes back reuses its key). Its rows leave silver at the next
  refresh over all locations (the daily one), which rewrites the whole table from the latest
  snapshot, and gold follows. Rebuilding such a location alone empties its partition.
  Deleting the key (`instance.delete_dynamic_partition`) is a manual choice, not automatic.

Keys are in registration order (the order of the partition picker): the first snapshot's
locations sorted by country and state, later arrivals after them. A range `first...last` of that
order is one run; a set of keys that is not one range becomes one run per contiguous range.

Bronze's days are UTC days. They start on `BREWERY_BRONZE_START_DATE` (YYYY-MM-DD) when it is set;
otherwise, locally, on the first day the lake holds a snapshot of, or today for an empty lake, so
the UI does not list months of days that were never meant to be ingested. Days before the start
cannot be materialized: set the variable to an earlier day to backfill them. Production (and any
lake in S3) reads no lake at load time and starts on 2026-01-01 unless the variable is set, so
the partitions never move under a deployment.
"""

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from brewery_assets import settings
from brewery_assets.lake import CURRENT_NAME, MANIFEST_NAME, LakeLayout
from brewery_assets.storage import is_s3

START_DATE_ENV = "BREWERY_BRONZE_START_DATE"
# The start of deployments that do not set the variable (the project's first day).
FIXED_START_DATE = dt.date(2026, 1, 1)
TIMEZONE = "UTC"
DAY_FOLDER_PREFIX = "ingest_date="


def ingest_date_at(moment: dt.datetime) -> dt.date:
    """The bronze day a moment falls on: its date in the partitions' timezone (UTC), not the local date."""
    if moment.tzinfo is None:
        raise ValueError("the moment must be timezone-aware")
    return moment.astimezone(ZoneInfo(TIMEZONE)).date()


def current_ingest_date() -> dt.date:
    """Today's bronze day (UTC)."""
    return ingest_date_at(dt.datetime.now(dt.UTC))


def first_local_snapshot_day(lake_root: str) -> dt.date | None:
    """The earliest day with a published bronze snapshot in a lake on disk, or None."""
    bronze = Path(LakeLayout(root=lake_root).bronze_root)
    days = []
    for folder in bronze.glob(f"{DAY_FOLDER_PREFIX}*"):
        try:
            day = dt.date.fromisoformat(folder.name.removeprefix(DAY_FOLDER_PREFIX))
        except ValueError:
            continue
        if (folder / CURRENT_NAME).is_file() or (folder / MANIFEST_NAME).is_file():
            days.append(day)
    return min(days, default=None)


def bronze_start_date(env: Mapping[str, str] | None = None, today: dt.date | None = None) -> dt.date:
    """The first bronze day: the variable, else (local lake on disk) its first snapshot's day or today."""
    env = os.environ if env is None else env
    configured = env.get(START_DATE_ENV)
    if configured:
        try:
            return dt.date.fromisoformat(configured.strip())
        except ValueError:
            raise ValueError(f"{START_DATE_ENV}={configured!r}: expected a date as YYYY-MM-DD") from None
    root = settings.lake_root(env)
    if settings.deployment(env) == settings.PRODUCTION_DEPLOYMENT or is_s3(root):
        return FIXED_START_DATE
    return first_local_snapshot_day(root) or today or current_ingest_date()


# end_offset=1 makes today's partition available, so a run ingests the current day.
ingest_date_partitions = dg.DailyPartitionsDefinition(
    start_date=bronze_start_date().isoformat(), timezone=TIMEZONE, end_offset=1
)

location_partitions = dg.DynamicPartitionsDefinition(name="brewery_locations")

# The run tags that make one run cover a range of partitions (as a single-run backfill does).
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags selecting the partitions from `first` to `last` (inclusive, registration order) in one run."""
    return {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last}


def all_locations_tags(registered: Sequence[str]) -> dict[str, str]:
    """Run tags selecting every registered location in one run (`registered` in registration order)."""
    if not registered:
        raise ValueError("no location partitions are registered: materialize bronze first")
    return partition_range_tags(registered[0], registered[-1])


def contiguous_ranges(selected: Sequence[str], registered: Sequence[str]) -> list[tuple[str, str]]:
    """The (first, last) ranges of registration order that cover exactly `selected`.

    A backfill with `BackfillPolicy.single_run()` launches one run per range, so this tells how many
    runs a backfill of `selected` will be. Raises ValueError naming any key that is not registered.
    """
    position = {key: index for index, key in enumerate(registered)}
    unknown = sorted(set(selected) - position.keys())
    if unknown:
        raise ValueError(f"not registered location partitions: {unknown}")
    ranges: list[tuple[str, str]] = []
    previous = None
    for index in sorted({position[key] for key in selected}):
        if previous is not None and index == previous + 1:
            ranges[-1] = (ranges[-1][0], registered[index])
        else:
            ranges.append((registered[index], registered[index]))
        previous = index
    return ranges
