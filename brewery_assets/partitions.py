"""Partitions: bronze by ingestion day, silver by location.

Silver's keys are locations, `Country/State` (see `brewery_assets.locations`), registered by the
bronze asset as it finds them. They are one dynamic dimension on purpose: a country x state
multi-partition would be a full cross product with thousands of pairs that do not exist.
"""

import dagster as dg

# end_offset=1 makes today's partition available, so a run ingests the current day.
ingest_date_partitions = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1)

location_partitions = dg.DynamicPartitionsDefinition(name="brewery_locations")
