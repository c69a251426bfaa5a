"""The audits of a silver candidate, as Dagster check results with their figures and sample rows.

Every figure comes from the staged tables (one aggregate for the candidate, one for the table it
would replace, one over the rejected records, one over bronze's field names), never from a second
run of the transformation.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS
from brewery_assets.quality import checks
from brewery_assets.quality.samples import sample
from brewery_assets.quality.schemas import validation_errors, violations
from brewery_assets.transformations.silver import (
    DUPLICATE_ID,
    REJECT_REASONS,
    SILVER_COLUMNS,
    restrict_to_locations,
)

_SAMPLE_COLUMNS = ("id", "name", "brewery_type", "country", "state", "longitude", "latitude", "coordinates_issue")


@dataclass(frozen=True)
class TableStats:
    """Row count, distinct ids and null counts of a silver table, from one aggregate."""

    rows: int
    distinct_ids: int
    nulls: dict[str, int]
    unrecognised_types: list[str]

    def null_rate(self, column: str) -> float:
        """Share of rows where `column` is null (0 for an empty table)."""
        return self.nulls.get(column, 0) / self.rows if self.rows else 0.0


def table_stats(table: DataFrame) -> TableStats:
    """Computes `TableStats` in one pass; columns missing from `table` (an older schema) count as all null."""
    present = [c for c in SILVER_COLUMNS if c in table.columns]
    aggregates = [
        F.count(F.lit(1)).alias("rows"),
        F.count_distinct("id").alias("distinct_ids"),
        *(F.count_if(F.col(c).isNull()).alias(f"null_{c}") for c in present),
    ]
    if "unrecognised_brewery_type" in table.columns:
        aggregates.append(F.sort_array(F.collect_set("unrecognised_brewery_type")).alias("unrecognised"))
    row = table.agg(*aggregates).first()
    rows = int(row["rows"])
    nulls = {c: int(row[f"null_{c}"] or 0) if c in present else rows for c in SILVER_COLUMNS}
    unrecognised = list(row["unrecognised"] or []) if "unrecognised_brewery_type" in table.columns else []
    return TableStats(rows, int(row["distinct_ids"]), nulls, unrecognised)


@dataclass(frozen=True)
class Accounting:
    """Where the bronze records in scope went: bronze = silver + duplicates removed + rejected."""

    bronze_records: int
    silver_rows: int
    rejected_by_reason: dict[str, int]

    @property
    def duplicates_removed(self) -> int:
        return self.rejected_by_reason.get(DUPLICATE_ID, 0)

    @property
    def rejected(self) -> int:
        return sum(n for reason, n in self.rejected_by_reason.items() if reason != DUPLICATE_ID)

    @property
    def unaccounted(self) -> int:
        return self.bronze_records - self.silver_rows - self.duplicates_removed - self.rejected

    def metadata(self) -> dict:
        """The figures for materialization and check metadata."""
        return {
            "bronze_records": self.bronze_records,
            "silver_rows": self.silver_rows,
            "duplicates_removed": self.duplicates_removed,
            "rejected": self.rejected,
            "rejected_by_reason": dg.MetadataValue.json(self.rejected_by_reason),
            "unaccounted": self.unaccounted,
        }


def accounting(
    manifest: dict,
    mapping: list[dict],
    staged_silver_rows: int,
    rejected: DataFrame,
    locations: Sequence[tuple[str, str]] | None,
) -> Accounting:
    """Reconciles bronze with the staged tables; `locations=None` is the whole snapshot.

    The bronze side is the manifest, counted when the snapshot was written: the whole snapshot's
    `records`, or for a partial rebuild the records whose raw location maps into `locations`.
    """
    if locations is None:
        bronze = int(manifest["records"])
        scoped = rejected
    else:
        chosen = set(locations)
        bronze = sum(row["records"] for row in mapping if (row["country"], row["state"]) in chosen)
        scoped = restrict_to_locations(rejected, list(locations))
    by_reason = {row["reject_reason"]: int(row["n"]) for row in scoped.groupBy("reject_reason").agg(
        F.count(F.lit(1)).alias("n")).collect()}
    ordered = {reason: by_reason.get(reason, 0) for reason in REJECT_REASONS}
    ordered.update({r: n for r, n in by_reason.items() if r not in ordered})
    return Accounting(bronze, staged_silver_rows, ordered)


@dataclass(frozen=True)
class BronzeFields:
    """The field names found in a bronze snapshot, and its raw lines for samples."""

    names: set[str]
    lines: DataFrame | None = None



@dataclass(frozen=True)
class DriftThresholds:
    """How far a WARN check lets a figure move before it fails."""

    volume_change: float
    null_rate_change: float


def audit_silver(
    candidate: DataFrame,
    stats: TableStats,
    previous: TableStats | None,
    books: Accounting,
    fields: BronzeFields,
    thresholds: DriftThresholds,
) -> list[dg.AssetCheckResult]:
    """Every silver check's result on the candidate table; samples are fetched for failing checks only."""
    return [
        _id_not_null(candidate, stats),
        _id_unique(candidate, stats),
        _not_empty(stats),
        _schema_and_values(candidate),
        _reconciles(books),
        _volume_change(stats, previous, thresholds.volume_change),
        _null_rate_drift(stats, previous, thresholds.null_rate_change),
        _source_schema_drift(candidate, fields, stats),
    ]


def _result(name: str, passed: bool, metadata: dict, description: str | None = None) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        passed=bool(passed),
        severity=checks.severity_of(name),
        metadata=metadata,
        description=description,
    )


def _id_not_null(candidate: DataFrame, stats: TableStats) -> dg.AssetCheckResult:
    nulls = stats.nulls["id"]
    metadata = {"rows": stats.rows, "null_ids": nulls}
    if nulls:
        metadata["sample"] = sample(candidate, F.col("id").isNull(), _SAMPLE_COLUMNS)
    return _result(checks.ID_NOT_NULL, nulls == 0, metadata)


def _id_unique(candidate: DataFrame, stats: TableStats) -> dg.AssetCheckResult:
    ids = stats.rows - stats.nulls["id"]
    repeated = ids - stats.distinct_ids
    metadata = {"rows_with_id": ids, "distinct_ids": stats.distinct_ids, "repeated_rows": repeated}
    if repeated:
        counts = candidate.where(F.col("id").isNotNull()).groupBy("id").agg(F.count(F.lit(1)).alias("rows"))
        metadata["sample"] = sample(counts, F.col("rows") > 1)
    return _result(checks.ID_UNIQUE, repeated == 0, metadata)


def _not_empty(stats: TableStats) -> dg.AssetCheckResult:
    return _result(checks.NOT_EMPTY, stats.rows > 0, {"rows": stats.rows})


def _schema_and_values(candidate: DataFrame) -> dg.AssetCheckResult:
    errors = validation_errors(candidate)
    metadata: dict = {"violations": len(errors), "schema": "SilverBreweriesSchema (pandera.pyspark)"}
    if errors:
        metadata["findings"] = dg.MetadataValue.json(errors)
        rules = violations()
        failing = [e["column"] for e in errors if e["column"] in rules and e["column"] in candidate.columns]
        for column in dict.fromkeys(failing):
            metadata[f"sample_{column}"] = sample(candidate, rules[column], _SAMPLE_COLUMNS)
    return _result(checks.SCHEMA_AND_VALUES, not errors, metadata)


def _reconciles(books: Accounting) -> dg.AssetCheckResult:
    return _result(checks.RECONCILES_WITH_BRONZE, books.unaccounted == 0, books.metadata())


def _volume_change(stats: TableStats, previous: TableStats | None, threshold: float) -> dg.AssetCheckResult:
    metadata: dict = {"rows": stats.rows, "threshold": threshold}
    if previous is None or previous.rows == 0:
        metadata["previous_rows"] = None if previous is None else 0
        return _result(checks.ROW_VOLUME_CHANGE, True, metadata, "no previously published table to compare with")
    change = (stats.rows - previous.rows) / previous.rows
    metadata.update({"previous_rows": previous.rows, "change": round(change, 4)})
    return _result(checks.ROW_VOLUME_CHANGE, abs(change) <= threshold, metadata)


def _null_rate_drift(stats: TableStats, previous: TableStats | None, threshold: float) -> dg.AssetCheckResult:
    if previous is None or previous.rows == 0:
        return _result(checks.NULL_RATE_DRIFT, True, {"threshold": threshold},
                       "no previously published table to compare with")
    rates = {
        column: {"null_rate": round(stats.null_rate(column), 4), "previous": round(previous.null_rate(column), 4)}
        for column in SILVER_COLUMNS
    }
    drifted = {c: r for c, r in rates.items() if abs(r["null_rate"] - r["previous"]) > threshold}
    metadata = {
        "threshold": threshold,
        "drifted_columns": dg.MetadataValue.json(drifted),
        "null_rates": dg.MetadataValue.json(rates),
    }
    return _result(checks.NULL_RATE_DRIFT, not drifted, metadata)


def _source_schema_drift(candidate: DataFrame, fields: BronzeFields, stats: TableStats) -> dg.AssetCheckResult:
    new_fields = sorted(fields.names - set(BREWERY_FIELDS))
    missing_fields = sorted(set(BREWERY_FIELDS) - fields.names) if fields.names else []
    metadata: dict = {
        "new_fields": dg.MetadataValue.json(new_fields),
        "missing_fields": dg.MetadataValue.json(missing_fields),
        "new_brewery_types": dg.MetadataValue.json(stats.unrecognised_types),
    }
    if stats.unrecognised_types:
        metadata["sample_new_types"] = sample(
            candidate, F.col("unrecognised_brewery_type").isNotNull(),
            ("id", "name", "brewery_type", "unrecognised_brewery_type", "country", "state"))
    if new_fields and fields.lines is not None:
        carrying = F.arrays_overlap(F.json_object_keys("raw_record"), F.array(*(F.lit(f) for f in new_fields)))
        metadata["sample_new_fields"] = sample(fields.lines, carrying, ("raw_record",))
    passed = not (new_fields or missing_fields or stats.unrecognised_types)
    return _result(checks.SOURCE_SCHEMA_DRIFT, passed, metadata)
