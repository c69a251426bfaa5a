"""What a Spark job hands back: metadata, per-location figures and check results, or the reason
nothing was published.

The same object comes back from a job run in-process and from one run elsewhere through Dagster
Pipes, so the assets treat both alike. Over Pipes, metadata travels as Pipes metadata values, each
check result as a reported asset check (its description inside its metadata), and the per-location
figures and a failure as custom messages.
"""

from dataclasses import dataclass, field

import dagster as dg

from brewery_assets.quality import checks

_PIPES_TYPES = {
    dg.PathMetadataValue: "path",
    dg.MarkdownMetadataValue: "md",
    dg.JsonMetadataValue: "json",
    dg.TextMetadataValue: "text",
    dg.UrlMetadataValue: "url",
    dg.IntMetadataValue: "int",
    dg.FloatMetadataValue: "float",
    dg.BoolMetadataValue: "bool",
    dg.NullMetadataValue: "null",
    dg.TimestampMetadataValue: "timestamp",
}
DESCRIPTION_KEY = "description"


@dataclass
class JobOutcome:
    """The result of one job: published (with materialization metadata) or not (with `failure`).

    `metadata` holds figures true of everything the job published; `by_location` one plain dict per
    rebuilt location (`country`, `state` and that location's own figures), for partitioned assets.
    When nothing was published, `metadata` holds plain JSON values saying where to look, and
    `retryable` says whether running the job again could succeed (another writer interfered) or not
    (a blocking check, a missing snapshot or key).
    """

    metadata: dict = field(default_factory=dict)
    checks: list[dg.AssetCheckResult] = field(default_factory=list)
    failure: str | None = None
    retryable: bool = False
    by_location: list[dict] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.failure is None


def blocked_by_checks(table: str, results: list[dg.AssetCheckResult], staged_path: str,
                      **metadata: object) -> JobOutcome | None:
    """The outcome of a write-audit-publish whose blocking checks failed, or None when it may publish."""
    failed = checks.blocking_failures(results)
    if not failed:
        return None
    return JobOutcome(
        checks=results,
        failure=f"{table} not published: blocking checks failed ("
        + "; ".join(f"{r.check_name}: {r.description}" if r.description else r.check_name for r in failed)
        + f"); the published table is unchanged, the candidate is at {staged_path}",
        metadata={**metadata, "staged": staged_path},
    )


def to_pipes_metadata(metadata: dict) -> dict:
    """Dagster metadata as Pipes metadata values (`{"raw_value", "type"}`)."""
    converted = {}
    for name, value in metadata.items():
        if isinstance(value, dg.MetadataValue):
            kind = _PIPES_TYPES.get(type(value))
            if kind is None:
                raise TypeError(f"metadata {name!r}: {type(value).__name__} has no Pipes form")
            converted[name] = {"raw_value": value.value, "type": kind}
        elif value is None:
            converted[name] = {"raw_value": None, "type": "null"}
        else:
            converted[name] = {"raw_value": value, "type": "__infer__"}
    return converted


def check_to_pipes(result: dg.AssetCheckResult) -> dict:
    """The arguments of `PipesContext.report_asset_check` for one check result."""
    metadata = dict(result.metadata)
    if result.description:
        metadata[DESCRIPTION_KEY] = dg.MetadataValue.text(result.description)
    return {
        "check_name": result.check_name,
        "passed": result.passed,
        "severity": result.severity.value,
        "metadata": to_pipes_metadata(metadata),
    }


def from_pipes_results(results, custom_messages: list) -> JobOutcome:
    """The outcome of a job run through Pipes, from its reported results and custom messages."""
    checks, metadata = [], {}
    for result in results:
        if isinstance(result, dg.AssetCheckResult):
            description = result.metadata.get(DESCRIPTION_KEY)
            checks.append(
                dg.AssetCheckResult(
                    check_name=result.check_name,
                    passed=result.passed,
                    severity=result.severity,
                    metadata={k: v for k, v in result.metadata.items() if k != DESCRIPTION_KEY},
                    description=description.value if description is not None else None,
                )
            )
        elif isinstance(result, dg.MaterializeResult):
            metadata = dict(result.metadata or {})
    messages = [message for message in custom_messages if isinstance(message, dict)]
    by_location = [row for message in messages for row in message.get("by_location", [])]
    failures = [message for message in messages if "failure" in message]
    if failures:
        return JobOutcome(metadata=failures[-1].get("metadata", {}), checks=checks, failure=failures[-1]["failure"],
                          retryable=bool(failures[-1].get("retryable")))
    if not metadata:
        return JobOutcome(checks=checks, failure="the job ended without reporting a materialization")
    return JobOutcome(metadata=metadata, checks=checks, by_location=by_location)
