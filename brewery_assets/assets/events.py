"""From a Spark job's outcome to what an asset yields."""

from collections.abc import Callable, Iterator

import dagster as dg
import pandas as pd

from brewery_assets.locations import location_key
from brewery_assets.quality.checks import CheckOutcome, Markdown
from brewery_assets.spark_jobs import JobOutcome

# Plain metadata values the jobs return that the UI should show as paths.
_PATH_KEYS = frozenset({"path", "rejected_path", "staged", "chart_path"})


def as_metadata(metadata: dict) -> dict:
    """A job's plain metadata as Dagster metadata values (paths, markdown tables, JSON lists)."""
    converted = {}
    for name, value in metadata.items():
        if isinstance(value, dg.MetadataValue) or value is None:
            converted[name] = value
        elif isinstance(value, Markdown):
            converted[name] = dg.MetadataValue.md(str(value))
        elif name in _PATH_KEYS:
            converted[name] = dg.MetadataValue.path(value)
        elif isinstance(value, list | dict):
            converted[name] = dg.MetadataValue.json(value)
        else:
            converted[name] = value
    return converted


def preview_table(rows: list[dict]) -> dg.MetadataValue:
    """A markdown table of a location's first rows (`(no rows)` when it has none)."""
    if not rows:
        return dg.MetadataValue.md("(no rows)")
    return dg.MetadataValue.md(pd.DataFrame(rows).astype(str).to_markdown(index=False))


def add_location_metadata(
    context: dg.AssetExecutionContext, outcome: JobOutcome, figures: Callable[[dict], dict]
) -> None:
    """Gives each materialized location partition its own figures: `figures(entry)` of the job's
    `by_location` entry, or of an empty entry for a location that has no rows any more."""
    add_partition_metadata(context, {location_key(entry["country"], entry["state"]): entry
                                     for entry in outcome.by_location}, figures)


def add_partition_metadata(
    context: dg.AssetExecutionContext, by_key: dict[str, dict], figures: Callable[[dict], dict]
) -> None:
    """Gives each materialized partition its own figures: `figures(by_key[key])`, or of an empty entry
    for a partition the job reported nothing of."""
    for key in context.partition_keys:
        context.add_asset_metadata(figures(by_key.get(key, {})), partition_key=key)


def events_of(outcome: JobOutcome, extra_metadata: dict | None = None) -> Iterator:
    """The materialization with its check results; or the check results, then a failure.

    A job that published nothing because of what it found (a blocking check, no bronze snapshot, a
    missing key) fails for a reason retrying cannot change, so the failure does not retry; one that
    lost a race with another writer may. Errors of the engine itself are raised by the runner and
    classified there (`SparkJobRunner.run`).
    """
    results = [check_result(check) for check in outcome.checks]
    if not outcome.published:
        yield from results
        raise dg.Failure(description=outcome.failure, metadata=as_metadata(outcome.metadata),
                         allow_retries=outcome.retryable)
    yield dg.MaterializeResult(metadata={**as_metadata(outcome.metadata), **(extra_metadata or {})},
                               check_results=results)


def check_result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    """A job's check outcome as the Dagster check result of its asset."""
    return dg.AssetCheckResult(
        check_name=outcome.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
        metadata=as_metadata(outcome.metadata),
        description=outcome.description or None,
    )
