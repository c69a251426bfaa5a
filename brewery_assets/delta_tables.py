"""Writing and inspecting the lake's Delta tables.

Spark writes the data files; `deltalake` (delta-rs) inspects tables and makes the commits that
publish staged files (`commit_files`). A publish names the table version its audit read and
fails with `PublishConflict` if any other commit landed since: Delta's own optimistic
concurrency, with no retry that would rebase the write onto data nobody audited.

Never dynamic partition overwrite: it silently replaces the whole table on the embedded engine.

No file statistics are written for floating-point columns (`delta.dataSkippingStatsColumns`):
the embedded engine answers a one-row file from its statistics, and parses the JSON numbers
there with a rounding that can move the last digit of a 17-digit double (a coordinate read back
from silver would then differ from the source). Nothing filters on coordinates, so no skipping is lost.
"""

import json
import time
from collections.abc import Sequence

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from deltalake.transaction import AddAction, CommitProperties, RemoveAction, create_table_with_add_actions
from pyspark.sql import DataFrame
from pyspark.sql.types import FractionalType

from brewery_assets.storage import LakeStorage, join

STATS_COLUMNS_PROPERTY = "delta.dataSkippingStatsColumns"


class PublishConflict(RuntimeError):
    """Another writer committed to the table after the version a publish was audited against."""


def open_table(path: str, version: int | None = None) -> DeltaTable | None:
    """The Delta table at `path` (a local path or `s3://` URI), at `version` or the latest; None when absent."""
    # Not `DeltaTable.is_deltatable`: on some S3-compatible servers its listing never returns.
    try:
        return DeltaTable(path, version=version)
    except TableNotFoundError:
        return None


def table_exists(path: str) -> bool:
    """Whether a Delta table is at `path`."""
    return open_table(path) is not None


def table_version(path: str) -> int | None:
    """The table's current version, or None when there is no table."""
    table = open_table(path)
    return None if table is None else table.version()


def commit_info(store: LakeStorage, path: str, version: int) -> dict:
    """The commitInfo of one version of the table at `path` (custom keys included; empty when the
    commit has none), read as one object from the log: `DeltaTable.history` lists the log, which on
    some S3-compatible servers never returns."""
    data = store.read_bytes(join(path, "_delta_log", f"{version:020d}.json"))
    for line in data.decode("utf-8").splitlines():
        entry = json.loads(line) if line.strip() else {}
        if "commitInfo" in entry:
            return entry["commitInfo"]
    return {}


def column_names(path: str) -> list[str]:
    """The column names of the table at `path` (empty when there is no table)."""
    table = open_table(path)
    return [] if table is None else [field.name for field in table.schema().fields]


def partition_columns(path: str) -> list[str]:
    """The partition columns of the table at `path` (empty when there is none)."""
    table = open_table(path)
    return [] if table is None else list(table.metadata().partition_columns)


def has_layout(path: str, columns: Sequence[str], partition_by: Sequence[str]) -> bool:
    """Whether the table at `path` exists with exactly these columns and partition columns."""
    table = open_table(path)
    if table is None:
        return False
    names = {field.name for field in table.schema().fields}
    return names == set(columns) and list(table.metadata().partition_columns) == list(partition_by)


def stats_columns(df: DataFrame, partition_by: Sequence[str] = ()) -> str:
    """The columns of `df` that get file statistics: all but floating-point and partition columns."""
    return ",".join(
        field.name for field in df.schema.fields
        if not isinstance(field.dataType, FractionalType) and field.name not in partition_by
    )


def overwrite_table(df: DataFrame, path: str, partition_by: Sequence[str] = ()) -> None:
    """Replaces the whole table with `df` (one new table version), schema and partitioning included.

    Rows are grouped by partition first, so each partition is one file rather than one per task.
    """
    if partition_by:
        df = df.repartition(*partition_by)
    writer = (
        df.write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .option(STATS_COLUMNS_PROPERTY, stats_columns(df, partition_by))
    )
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)


def _file_stats(action: dict) -> str:
    """The Delta `stats` JSON of one file, from `deltalake`'s structured add action."""
    return json.dumps(
        {
            "numRecords": action["num_records"],
            "minValues": action.get("min") or {},
            "maxValues": action.get("max") or {},
            "nullCount": action.get("null_count") or {},
        },
        default=str,
    )


def _partition_text(value: object) -> str | None:
    """A partition value as the Delta log writes it (dates as YYYY-MM-DD, booleans lower-case, null as null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _removals(table: DeltaTable, column: str, values: Sequence[object]) -> list[RemoveAction]:
    """Remove actions for every file of `table` whose partition value of `column` is one of `values`."""
    wanted = {_partition_text(value) for value in values}
    now = int(time.time() * 1000)
    return [
        RemoveAction(
            path=action["path"],
            data_change=True,
            deletion_timestamp=now,
            size=action["size_bytes"],
            partition_values={name: _partition_text(value) for name, value in action["partition"].items()},
        )
        for action in pa.table(table.get_add_actions(flatten=False)).to_pylist()
        if _partition_text((action.get("partition") or {}).get(column)) in wanted
    ]


def commit_files(
    staged_path: str,
    published_path: str,
    read_version: int | None,
    partition_by: Sequence[str] = (),
    replace: tuple[str, Sequence[str | None]] | None = None,
    commit_info: dict[str, str] | None = None,
) -> int:
    """Publishes the files of the staged table at `staged_path` as one commit of the table at
    `published_path`, without copying them; returns the new table version.

    The staged table must lie inside the published one (`<published>/runs/<id>/`), so its files are
    the table's own. `replace=None` replaces every file of the table; `replace=(column, values)`
    replaces only the partitions whose `column` is in `values` (None: the null partition) and keeps the
    others. The commit is
    made against `read_version` (None: there is no table yet) and never retried: if anyone else
    committed since, `PublishConflict` is raised and nothing is published.
    """
    prefix = staged_path.rstrip("/")[len(published_path.rstrip("/")) + 1:]
    if not staged_path.startswith(published_path.rstrip("/") + "/") or not prefix:
        raise ValueError(f"{staged_path} is not inside {published_path}")
    staged = DeltaTable(staged_path)
    actions = [
        AddAction(
            path=f"{prefix}/{action['path']}",
            size=action["size_bytes"],
            partition_values={name: _partition_text(value) for name, value in (action.get("partition") or {}).items()},
            modification_time=action["modification_time"],
            data_change=True,
            stats=_file_stats(action),
        )
        for action in pa.table(staged.get_add_actions(flatten=False)).to_pylist()
    ]
    properties = CommitProperties(custom_metadata=commit_info, max_commit_retries=0)
    try:
        if read_version is None:
            create_table_with_add_actions(
                published_path,
                staged.schema(),
                actions,
                mode="error",
                partition_by=list(partition_by) or None,
                configuration={STATS_COLUMNS_PROPERTY: staged.metadata().configuration.get(STATS_COLUMNS_PROPERTY)},
                commit_properties=properties,
            )
            return 0
        published = DeltaTable(published_path, version=read_version)
        if replace is None:
            published.create_write_transaction(actions, mode="overwrite", schema=staged.schema(),
                                               partition_by=list(partition_by) or None, commit_properties=properties)
        else:
            # The replaced files are named one by one: partition filters cannot match a null partition
            # value together with other values.
            published.create_write_transaction([*actions, *_removals(published, *replace)], mode="append",
                                               schema=staged.schema(), partition_by=list(partition_by) or None,
                                               commit_properties=properties)
    except CommitFailedError as exc:
        raise PublishConflict(
            f"{published_path} changed after version {read_version} was audited: another writer committed "
            f"first ({exc})"
        ) from exc
    except Exception as exc:
        # Creating a table that another writer has just created fails with a generic error.
        if read_version is None and table_exists(published_path):
            raise PublishConflict(f"{published_path} was created by another writer while this one was audited") from exc
        raise
    return read_version + 1
