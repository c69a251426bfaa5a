"""Small stand-ins for the lake's assets: same keys and metadata names, no Spark, controllable failures."""

import dagster as dg

DAYS = dg.StaticPartitionsDefinition(["2026-01-05", "2026-01-06"])
LOCATIONS = dg.StaticPartitionsDefinition(["United States/Texas", "Ireland/Dublin", "Austria/Wien"])

RUN_ERROR = "silver rebuild failed: 3 rows without id <raw>\nsecond line\nthird line\nfourth line\nfifth line"


@dg.asset(partitions_def=LOCATIONS)
def broken_silver() -> None:
    """Always fails, with a five-line error."""
    raise ValueError(RUN_ERROR)


@dg.asset(partitions_def=DAYS)
def broken_bronze() -> None:
    """Always fails through `dg.Failure`, whose description is the readable error."""
    raise dg.Failure(description="no complete bronze snapshot under /lake/bronze: materialize bronze first")


class QualityConfig(dg.Config):
    """Which checks of `checked_silver` fail."""

    fail_error: bool = True
    fail_warn: bool = True


@dg.asset(
    partitions_def=LOCATIONS,
    check_specs=[
        dg.AssetCheckSpec("no_duplicate_ids", asset="checked_silver", blocking=False),
        dg.AssetCheckSpec("volume_drift", asset="checked_silver"),
    ],
)
def checked_silver(config: QualityConfig) -> dg.MaterializeResult:
    """Materializes, then reports an ERROR check and a WARN check with figures and a markdown preview."""
    return dg.MaterializeResult(
        metadata={"table_rows": 58},
        check_results=[
            dg.AssetCheckResult(
                check_name="no_duplicate_ids",
                passed=not config.fail_error,
                severity=dg.AssetCheckSeverity.ERROR,
                description="3 ids appear more than once",
                metadata={
                    "duplicate_ids": 3,
                    "sample_ids": dg.MetadataValue.md("| id |\n|----|\n| a |\n| b |"),
                    "worst_id": "5128df48-79fc",
                },
            ),
            dg.AssetCheckResult(
                check_name="volume_drift",
                passed=not config.fail_warn,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"drift_pct": 42.5, "previous_rows": 100, "rows": 58},
            ),
        ],
    )


WIDE_CHECKS = [f"rule_{number:02d}" for number in range(25)]


@dg.asset(check_specs=[dg.AssetCheckSpec(name, asset="wide_table") for name in WIDE_CHECKS])
def wide_table() -> dg.MaterializeResult:
    """25 failing ERROR checks in one run, to exercise batching."""
    return dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(check_name=name, passed=False, metadata={"violations": number})
            for number, name in enumerate(WIDE_CHECKS)
        ]
    )


class LakeFigures(dg.Config):
    """Metadata figures the stand-ins report."""

    records: int = 11822
    table_rows: int = 11650
    rejected: int = 0
    duplicates_removed: int = 0
    breweries: int = 11650


@dg.asset(partitions_def=DAYS)
def bronze_breweries(config: LakeFigures) -> dg.MaterializeResult:
    """Stand-in for bronze: `records` as in the real asset."""
    return dg.MaterializeResult(metadata={"records": config.records, "pages": 60})


@dg.asset(
    partitions_def=LOCATIONS,
    check_specs=[dg.AssetCheckSpec("reconciles_with_bronze", asset="silver_breweries")],
)
def silver_breweries(config: LakeFigures) -> dg.MaterializeResult:
    """Stand-in for silver: its whole-run figures in the `reconciles_with_bronze` check, as the real asset.

    test_on_real_runs.py checks the summary against the real asset's check, so a renamed figure fails there.
    """
    figures = {
        "bronze_records": config.records,
        "silver_rows": config.table_rows,
        "duplicates_removed": config.duplicates_removed,
        "rejected": config.rejected,
        "unaccounted": config.records - config.table_rows - config.duplicates_removed - config.rejected,
    }
    return dg.MaterializeResult(
        metadata={"table_rows": config.table_rows, "preview": dg.MetadataValue.md("| name |\n|---|\n| x |")},
        check_results=[dg.AssetCheckResult(check_name="reconciles_with_bronze", passed=True, metadata=figures)],
    )


@dg.asset(deps=[silver_breweries])
def gold_brewery_counts(config: LakeFigures) -> dg.MaterializeResult:
    """Stand-in for gold: `breweries` as in the real asset."""
    return dg.MaterializeResult(metadata={"breweries": config.breweries})


refresh_silver_gold = dg.define_asset_job("refresh_silver_gold", selection=[silver_breweries, gold_brewery_counts])

lake_defs = dg.Definitions(
    assets=[bronze_breweries, silver_breweries, gold_brewery_counts], jobs=[refresh_silver_gold]
)
