"""The audits of a silver candidate, as Dagster check results with their figures and sample rows.

Every audit sees the whole table as it would be published, not only the rebuilt locations: the
candidate reconciles with its snapshot record by record and id by id, and on a partial rebuild
every location not rebuilt must keep exactly its rows and ids. Figures come from the staged
tables and the published version the audit read (a few aggregates), never from a second run of
the transformation.
"""

from dataclasses import dataclass, field

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS
from brewery_assets.quality import checks
from brewery_assets.quality.samples import sample
from brewery_assets.quality.schemas import RULES, validation_errors, violations
from brewery_assets.transformations.silver import (
    DUPLICATE_ID,
    REJECT_REASONS,
    SILVER_COLUMNS,
    UNREADABLE_RECORD,
    id_checksum,
    profile_lines,
)

_SAMPLE_COLUMNS = ("id", "name", "brewery_type", "country", "state", "longitude", "latitude", "coordinates_issue")


@dataclass(frozen=True)
class TableStats:
    """What the audits need to know of a silver table, from one aggregate: rows, distinct ids, an id
    checksum, nulls per column, new type values, and rows breaking each value rule of the schema."""

    rows: int
    distinct_ids: int
    nulls: dict[str, int]
    unrecognised_types: list[str]
    id_checksum: int = 0
    rule_violations: dict[str, int] = field(default_factory=dict)

    def null_rate(self, column: str) -> float:
        """Share of rows where `column` is null (0 for an empty table)."""
        return self.nulls.get(column, 0) / self.rows if self.rows else 0.0


def table_stats(table: DataFrame) -> TableStats:
    """Computes `TableStats` in one pass; columns missing from `table` (an older schema) count as all null."""
    present = [c for c in SILVER_COLUMNS if c in table.columns]
    rules = {c: rule for c, rule in violations().items() if c in table.columns}
    aggregates = [
        F.count(F.lit(1)).alias("rows"),
        F.count_distinct("id").alias("distinct_ids"),
        id_checksum(F.col("id")).alias("checksum"),
        *(F.count_if(F.col(c).isNull()).alias(f"null_{c}") for c in present),
        *(F.count_if(F.coalesce(rule, F.lit(False))).alias(f"rule_{c}") for c, rule in rules.items()),
    ]
    if "unrecognised_brewery_type" in table.columns:
        aggregates.append(F.sort_array(F.collect_set("unrecognised_brewery_type")).alias("unrecognised"))
    row = table.agg(*aggregates).first()
    rows = int(row["rows"])
    nulls = {c: int(row[f"null_{c}"] or 0) if c in present else rows for c in SILVER_COLUMNS}
    unrecognised = list(row["unrecognised"] or []) if "unrecognised_brewery_type" in table.columns else []
    broken = {c: int(row[f"rule_{c}"] or 0) for c in rules}
    return TableStats(rows, int(row["distinct_ids"]), nulls, unrecognised, int(row["checksum"] or 0), broken)


@dataclass(frozen=True)
class BronzeProfile:
    """What the bronze snapshot holds, from one pass over its lines: field names, and the ids of its
    readable records (count and checksum)."""

    records: int
    ids: int
    id_checksum: int
    field_names: set[str]
    lines: DataFrame | None = None


def bronze_profile(lines: DataFrame, manifest: dict) -> BronzeProfile:
    """The snapshot's profile: from its manifest, where bronze counted ids and fields as it stored
    the pages; from one pass over its JSON lines (`value`) for a snapshot whose manifest lacks them.

    Ids are read exactly as `classify_records` reads them (`brewery_assets.record_ids`), so silver,
    the quarantine and bronze are compared on the same values.
    """
    records = int(manifest["records"])
    if "silver_ids" in manifest and "fields" in manifest:
        ids = manifest["silver_ids"]
        return BronzeProfile(records, int(ids["count"]), int(ids["checksum"]), set(manifest["fields"]), lines)
    names, ids, checksum = profile_lines(lines)
    return BronzeProfile(records, ids, checksum, names, lines)


@dataclass(frozen=True)
class Reconciliation:
    """Where every bronze record of the snapshot went, over the whole table as it would be published:
    bronze = silver rows + duplicates removed + other rejected records, for records and for ids."""

    bronze_records: int
    bronze_ids: int
    bronze_id_checksum: int
    silver_rows: int
    silver_id_checksum: int
    rejected_by_reason: dict[str, int]
    rejected_ids: int
    rejected_id_checksum: int

    @property
    def duplicates_removed(self) -> int:
        return self.rejected_by_reason.get(DUPLICATE_ID, 0)

    @property
    def rejected(self) -> int:
        return sum(n for reason, n in self.rejected_by_reason.items() if reason != DUPLICATE_ID)

    @property
    def unaccounted(self) -> int:
        return self.bronze_records - self.silver_rows - self.duplicates_removed - self.rejected

    @property
    def ids_unaccounted(self) -> int:
        return self.bronze_ids - self.silver_rows - self.rejected_ids

    @property
    def ids_match(self) -> bool:
        checksums = self.silver_id_checksum + self.rejected_id_checksum
        return self.ids_unaccounted == 0 and self.bronze_id_checksum == checksums

    def metadata(self) -> dict:
        """The whole table's figures, for check metadata (per-location figures are on each partition)."""
        return {
            "scope": "whole table",
            "bronze_records": self.bronze_records,
            "silver_rows": self.silver_rows,
            "duplicates_removed": self.duplicates_removed,
            "rejected": self.rejected,
            "rejected_by_reason": self.rejected_by_reason,
            "unaccounted": self.unaccounted,
            "bronze_ids": self.bronze_ids,
            "ids_unaccounted": self.ids_unaccounted,
            "id_checksums_match": self.ids_match,
        }


def reconcile(bronze: BronzeProfile, candidate: TableStats, rejected: DataFrame) -> Reconciliation:
    """Reconciles the snapshot with the candidate table (its stats) and the quarantine, both whole."""
    with_id = (F.col("reject_reason") != F.lit(UNREADABLE_RECORD)) & F.col("id").isNotNull()
    by_reason: dict[str, int] = {}
    rejected_ids, rejected_checksum = 0, 0
    for row in rejected.groupBy("reject_reason").agg(
        F.count(F.lit(1)).alias("n"),
        F.count(F.when(with_id, F.col("id"))).alias("ids"),
        id_checksum(F.when(with_id, F.col("id"))).alias("checksum"),
    ).collect():
        by_reason[row["reject_reason"]] = int(row["n"])
        rejected_ids += int(row["ids"])
        rejected_checksum += int(row["checksum"] or 0)
    ordered = {reason: by_reason.get(reason, 0) for reason in REJECT_REASONS}
    ordered.update({r: n for r, n in by_reason.items() if r not in ordered})
    return Reconciliation(bronze.records, bronze.ids, bronze.id_checksum, candidate.rows, candidate.id_checksum,
                          ordered, rejected_ids, rejected_checksum)


@dataclass(frozen=True)
class LocationFigures:
    """Rows and an id checksum per location (`location_id`) of a silver table (or of its copy, by pseudonym)."""

    by_location: dict[str, tuple[int, int]]


def location_figures(table: DataFrame, identifier: str = "id") -> LocationFigures:
    """Per `location_id`: (rows, checksum of the `identifier` column), in one aggregate."""
    rows = table.groupBy("location_id").agg(
        F.count(F.lit(1)).alias("n"), id_checksum(F.col(identifier)).alias("c")).collect()
    return LocationFigures({row["location_id"]: (int(row["n"]), int(row["c"] or 0)) for row in rows})


@dataclass(frozen=True)
class Scope:
    """What a run rebuilds: every location (`rebuilt_ids=None`), or these `location_id`s, with the
    published figures of the others as the audit read them."""

    rebuilt_ids: frozenset[str] | None = None
    published: LocationFigures | None = None
    candidate: LocationFigures | None = None


@dataclass(frozen=True)
class DriftThresholds:
    """How far a WARN check lets a figure move before it fails."""

    volume_change: float
    null_rate_change: float


def audit_silver(
    candidate: DataFrame,
    stats: TableStats,
    previous: TableStats | None,
    books: Reconciliation,
    bronze: BronzeProfile,
    scope: Scope,
    thresholds: DriftThresholds,
) -> list[checks.CheckOutcome]:
    """Every silver check's result on the candidate table (the whole table as it would be published);
    samples are fetched for failing checks only."""
    return [
        _id_not_null(candidate, stats),
        _id_unique(candidate, stats),
        _not_empty(stats),
        _schema_and_values(candidate, stats),
        _reconciles(books),
        _other_locations_unchanged(scope),
        _volume_change(stats, previous, thresholds.volume_change),
        _null_rate_drift(stats, previous, thresholds.null_rate_change),
        _source_schema_drift(candidate, bronze, stats),
    ]


def _result(name: str, passed: bool, metadata: dict, description: str) -> checks.CheckOutcome:
    return checks.result(
        check_name=name,
        passed=bool(passed),
        metadata=metadata,
        description=description,
    )


def _id_not_null(candidate: DataFrame, stats: TableStats) -> checks.CheckOutcome:
    nulls = stats.nulls["id"]
    metadata = {"rows": stats.rows, "null_ids": nulls}
    if nulls:
        metadata["sample"] = sample(candidate, F.col("id").isNull(), _SAMPLE_COLUMNS)
    return _result(checks.ID_NOT_NULL, nulls == 0, metadata,
                   f"{nulls:,} of {stats.rows:,} rows have no id" if nulls else f"all {stats.rows:,} rows have an id")


def _id_unique(candidate: DataFrame, stats: TableStats) -> checks.CheckOutcome:
    ids = stats.rows - stats.nulls["id"]
    repeated = ids - stats.distinct_ids
    metadata = {"rows_with_id": ids, "distinct_ids": stats.distinct_ids, "repeated_rows": repeated}
    if repeated:
        counts = candidate.where(F.col("id").isNotNull()).groupBy("id").agg(F.count(F.lit(1)).alias("rows"))
        metadata["sample"] = sample(counts, F.col("rows") > 1)
    description = (f"{repeated:,} rows repeat an id ({stats.distinct_ids:,} distinct ids in {ids:,} rows)"
                   if repeated else f"{stats.distinct_ids:,} ids, none repeated")
    return _result(checks.ID_UNIQUE, repeated == 0, metadata, description)


def _not_empty(stats: TableStats) -> checks.CheckOutcome:
    return _result(checks.NOT_EMPTY, stats.rows > 0, {"rows": stats.rows},
                   f"{stats.rows:,} rows" if stats.rows else "the table would be empty")


def _schema_and_values(candidate: DataFrame, stats: TableStats) -> checks.CheckOutcome:
    # pandera checks the columns and their types; the value rules were counted in the stats' aggregate.
    errors = validation_errors(candidate) + [
        {"kind": "DATA", "column": column, "check": RULES[column], "error": f"{count:,} rows break the rule"}
        for column, count in stats.rule_violations.items() if count
    ]
    metadata: dict = {"violations": len(errors), "schema": "SilverBreweriesSchema (pandera.pyspark)"}
    if errors:
        metadata["findings"] = errors
        rules = violations()
        failing = [e["column"] for e in errors if e["column"] in rules and e["column"] in candidate.columns]
        for column in dict.fromkeys(failing):
            metadata[f"sample_{column}"] = sample(candidate, rules[column], _SAMPLE_COLUMNS)
    columns = sorted({str(e["column"]) for e in errors})
    description = (f"{len(errors)} schema or value violations in columns {', '.join(columns)}" if errors
                   else "every column has its type and every value meets its rule")
    return _result(checks.SCHEMA_AND_VALUES, not errors, metadata, description)


def _reconciles(books: Reconciliation) -> checks.CheckOutcome:
    passed = books.unaccounted == 0 and books.ids_match
    description = (
        f"whole table: {books.bronze_records:,} bronze records = {books.silver_rows:,} silver rows + "
        f"{books.duplicates_removed:,} duplicates removed + {books.rejected:,} rejected"
    )
    if not passed:
        description = (f"whole table does not reconcile with the snapshot: {books.unaccounted:,} records and "
                       f"{books.ids_unaccounted:,} ids unaccounted" + ("" if books.ids_match else
                       ", and the ids in silver and the quarantine are not the snapshot's ids"))
    return _result(checks.RECONCILES_WITH_BRONZE, passed, books.metadata(), description)


def _other_locations_unchanged(scope: Scope) -> checks.CheckOutcome:
    if scope.rebuilt_ids is None or scope.published is None or scope.candidate is None:
        return _result(checks.OTHER_LOCATIONS_UNCHANGED, True, {"locations_kept": 0},
                       "every location is rebuilt (a whole table)")
    published = {k: v for k, v in scope.published.by_location.items() if k not in scope.rebuilt_ids}
    candidate = {k: v for k, v in scope.candidate.by_location.items() if k not in scope.rebuilt_ids}
    changed = sorted(k for k in published.keys() | candidate.keys() if published.get(k) != candidate.get(k))
    metadata: dict = {
        "locations_rebuilt": len(scope.rebuilt_ids),
        "locations_kept": len(published),
        "rows_kept": sum(rows for rows, _ in published.values()),
        "changed_locations": {
            k: {"published_rows": published.get(k, (0, 0))[0], "candidate_rows": candidate.get(k, (0, 0))[0]}
            for k in changed[:20]
        },
    }
    description = (
        f"{len(changed)} locations outside the rebuilt ones would change (rows or ids differ from the "
        "published table): the candidate holds rows it must not" if changed else
        f"the {len(published):,} locations not rebuilt keep exactly their rows and ids"
    )
    return _result(checks.OTHER_LOCATIONS_UNCHANGED, not changed, metadata, description)


def _volume_change(stats: TableStats, previous: TableStats | None, threshold: float) -> checks.CheckOutcome:
    metadata: dict = {"rows": stats.rows, "threshold": threshold}
    if previous is None or previous.rows == 0:
        metadata["previous_rows"] = None if previous is None else 0
        return _result(checks.ROW_VOLUME_CHANGE, True, metadata, "no previously published table to compare with")
    change = (stats.rows - previous.rows) / previous.rows
    metadata.update({"previous_rows": previous.rows, "change": round(change, 4)})
    passed = abs(change) <= threshold
    return _result(checks.ROW_VOLUME_CHANGE, passed, metadata,
                   f"rows {previous.rows:,} -> {stats.rows:,} ({change:+.1%}, limit {threshold:.0%})")


def _null_rate_drift(stats: TableStats, previous: TableStats | None, threshold: float) -> checks.CheckOutcome:
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
        "drifted_columns": drifted,
        "null_rates": rates,
    }
    description = (
        "null rate moved by more than {:.0%} in: {}".format(threshold, ", ".join(
            f"{c} {r['previous']:.1%} -> {r['null_rate']:.1%}" for c, r in drifted.items()))
        if drifted else f"no column's null rate moved by more than {threshold:.0%}"
    )
    return _result(checks.NULL_RATE_DRIFT, not drifted, metadata, description)


def _source_schema_drift(candidate: DataFrame, bronze: BronzeProfile, stats: TableStats) -> checks.CheckOutcome:
    new_fields = sorted(bronze.field_names - set(BREWERY_FIELDS))
    missing_fields = sorted(set(BREWERY_FIELDS) - bronze.field_names) if bronze.field_names else []
    metadata: dict = {
        "new_fields": new_fields,
        "missing_fields": missing_fields,
        "new_brewery_types": stats.unrecognised_types,
    }
    if stats.unrecognised_types:
        metadata["sample_new_types"] = sample(
            candidate, F.col("unrecognised_brewery_type").isNotNull(),
            ("id", "name", "brewery_type", "unrecognised_brewery_type", "country", "state"))
    if new_fields and bronze.lines is not None:
        carrying = F.arrays_overlap(F.json_object_keys("value"), F.array(*(F.lit(f) for f in new_fields)))
        metadata["sample_new_fields"] = sample(bronze.lines, carrying, ("value",))
    passed = not (new_fields or missing_fields or stats.unrecognised_types)
    findings = [f"new fields {new_fields}" if new_fields else "", f"missing fields {missing_fields}" if missing_fields
                else "", f"new brewery types {stats.unrecognised_types}" if stats.unrecognised_types else ""]
    description = ("the source sent " + "; ".join(f for f in findings if f)) if not passed else \
        "the source sent only the API's known fields and brewery types"
    return _result(checks.SOURCE_SCHEMA_DRIFT, passed, metadata, description)
