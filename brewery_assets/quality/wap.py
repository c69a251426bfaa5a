"""Write-audit-publish: new data is written aside, audited, and only then becomes what readers see.

Design: stage, then publish. Each published Delta table has a staging table beside it:

    <lake>/silver/breweries                    published: what gold, the anonymized copy and users read
    <lake>/silver/_staging/breweries           the running step's candidate, never read by anyone else
    <lake>/silver/breweries_rejected           published quarantine of the same snapshot as silver
    <lake>/silver/_staging/breweries_rejected
    <lake>/gold/brewery_counts, <lake>/gold/_staging/brewery_counts

1. write: the asset overwrites the staging table with its new rows (all of them, or only the
   selected locations' on a partial rebuild);
2. audit: every check runs on the table as it would be published (for a partial rebuild the
   published rows of the other locations plus the staged ones), reading the staged files, never
   recomputing the transformation;
3. publish: only if no blocking (ERROR) check failed, the staged rows are copied into the
   published table in one Delta commit (`overwrite`, or `replaceWhere` on the selected locations).
   Otherwise the step records its check results and fails: the published version stays the
   current one, and Dagster does not start anything downstream.

Why not Delta versions with a "published version" pointer: every reader (Spark, `deltalake`, the
CLI summary, ad-hoc users) would have to know the pointer, and a reader that forgot it would see
unaudited data. With staging, the latest version of a published table is always audited data,
and its Delta history still allows time travel to any earlier published version. The staged table
is left in place after a run (overwritten by the next), so a failed audit can be inspected.
"""

import posixpath
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession

from brewery_assets import delta_tables
from brewery_assets.storage import join
from brewery_assets.transformations.silver import location_predicate

STAGING_DIR = "_staging"


def staging_path(published_path: str) -> str:
    """Where the candidate of the table at `published_path` is staged: a `_staging` folder beside it."""
    published = published_path.rstrip("/")
    return join(posixpath.dirname(published), STAGING_DIR, posixpath.basename(published))


def stage(rows: DataFrame, published_path: str, partition_by: Sequence[str] = ()) -> DataFrame:
    """Writes `rows` as the staged candidate of `published_path` and returns the staged table."""
    path = staging_path(published_path)
    delta_tables.overwrite_table(rows, path, partition_by)
    return rows.sparkSession.read.format("delta").load(path)


def candidate(
    spark: SparkSession, staged: DataFrame, published_path: str, locations: Sequence[tuple[str, str]] | None
) -> DataFrame:
    """The table as it would be after publishing: the staged rows, plus, on a partial rebuild of
    `locations`, the published rows of every other location."""
    if locations is None or not delta_tables.table_exists(published_path):
        return staged
    published = spark.read.format("delta").load(published_path)
    others = published.where(~location_predicate(list(locations)))
    return others.unionByName(staged, allowMissingColumns=True)


def publish(
    staged: DataFrame,
    published_path: str,
    partition_by: Sequence[str] = (),
    locations: Sequence[tuple[str, str]] | None = None,
) -> int | None:
    """Copies the staged rows into the published table in one commit; returns the new version.

    `locations=None` replaces the whole table; otherwise exactly those (country, state) partitions
    are replaced and the others stay as published.
    """
    if locations is None or not delta_tables.table_exists(published_path):
        delta_tables.overwrite_table(staged, published_path, partition_by)
    else:
        delta_tables.replace_locations(staged, published_path, locations)
    return delta_tables.table_version(published_path)
