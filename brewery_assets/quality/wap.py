"""Write-audit-publish: new data is written aside, audited, and only then becomes what readers see.

Each job run stages into a folder of its own inside the table it will publish:

    <lake>/silver/breweries/                      published: what gold, the copy and users read
        _delta_log/                               the table's commits
        runs/<run id>.<hex>/                      one run's candidate rows (a Delta table of their own
            location_id=.../part-*.parquet          until published), never read by another run

1. write: the job writes its new rows (all locations, or only the selected ones) as a Delta table
   under `runs/`, private to that run;
2. audit: every check runs on the table as it would be published, built from those files and,
   for a partial rebuild, the other locations as they are at the published version `V` the audit
   read (Delta time travel, so a concurrent commit cannot slip in between);
3. publish: only if no blocking (ERROR) check failed, one commit made against version `V` adds the
   staged files to the table and removes the files they replace (all of them, or the selected
   locations' partitions). Nothing is copied. If another writer committed after `V`, the commit
   fails (`delta_tables.PublishConflict`) and the job audits again against the new version, or
   fails saying so; it never publishes rows it did not audit.

Otherwise the step records its check results and fails: the published version stays the current
one, Dagster starts nothing downstream, and the candidate stays under `runs/` for inspection
(read it as a Delta table). After a publish the candidate's own log is removed: its files are the
table's now. Files no table version references any more (replaced versions, failed candidates) are
what Delta's VACUUM removes after its retention period.

Why not a "published version" pointer: every reader (Spark, `deltalake`, Athena, the CLI) would
have to know it, and a reader that forgot it would see unaudited data. Here the latest version of
a published table is always audited data, and Delta's history still allows time travel.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession

from brewery_assets import delta_tables
from brewery_assets.storage import LakeStorage, join

RUNS_DIR = "runs"


def stage_id(run_id: str | None) -> str:
    """A folder name for one job's candidate: the Dagster run id (when known) and a random suffix, so
    step retries and concurrent jobs never share one."""
    return f"{run_id or 'run'}.{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Staged:
    """A candidate written under its table's `runs/` folder, and the rows read back from it."""

    published_path: str
    path: str
    rows: DataFrame
    partition_by: tuple[str, ...]


def stage(rows: DataFrame, published_path: str, stage_name: str, partition_by: Sequence[str] = ()) -> Staged:
    """Writes `rows` as the candidate `stage_name` of the table at `published_path`."""
    path = join(published_path, RUNS_DIR, stage_name)
    delta_tables.overwrite_table(rows, path, partition_by)
    return Staged(published_path, path, rows.sparkSession.read.format("delta").load(path), tuple(partition_by))


def read_published(spark: SparkSession, path: str, version: int | None) -> DataFrame | None:
    """The published table as of `version` (None when there is no table)."""
    if version is None:
        return None
    return spark.read.format("delta").option("versionAsOf", version).load(path)


def candidate(staged: Staged, published: DataFrame | None, kept: DataFrame | None = None) -> DataFrame:
    """The table as it would be after publishing: the staged rows, plus `kept` (on a partial rebuild,
    the published rows of every location not rebuilt)."""
    if kept is None or published is None:
        return staged.rows
    return kept.unionByName(staged.rows, allowMissingColumns=True)


def publish(
    staged: Staged,
    read_version: int | None,
    replace: tuple[str, Sequence[str]] | None = None,
    commit_info: dict[str, str] | None = None,
) -> int:
    """Publishes the staged files as one commit against `read_version`; returns the new version.

    `replace=None` replaces the whole table; `(column, values)` only those partitions. A table
    whose columns or partitioning differ from the candidate's (an older layout) is replaced whole
    by a copy of the candidate, once. Raises `delta_tables.PublishConflict` when the table moved
    past `read_version`.
    """
    columns = staged.rows.columns
    if read_version is not None and not delta_tables.has_layout(staged.published_path, columns, staged.partition_by):
        if delta_tables.table_version(staged.published_path) != read_version:
            raise delta_tables.PublishConflict(f"{staged.published_path} changed after version {read_version}")
        delta_tables.overwrite_table(staged.rows, staged.published_path, staged.partition_by)
        version = delta_tables.table_version(staged.published_path)
    else:
        version = delta_tables.commit_files(
            staged.path, staged.published_path, read_version, staged.partition_by, replace, commit_info)
    return version


def release(staged: Staged, store: LakeStorage) -> None:
    """Forgets a published candidate's own log: its files belong to the table now, and the log would
    only mislead a reader. Call it once the job has finished reading `staged.rows`."""
    store.delete_tree(join(staged.path, "_delta_log"))
