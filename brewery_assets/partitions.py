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
"""

from collections.abc import Sequence

import dagster as dg

# end_offset=1 makes today's partition available, so a run ingests the current day.
ingest_date_partitions = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1)

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
