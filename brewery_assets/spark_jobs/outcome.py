"""What a Spark job hands back: metadata, per-location figures and check outcomes, or the reason
nothing was published. Plain data only, so the job needs no Dagster.

The same object comes back from a job run in-process and from one run elsewhere through Dagster
Pipes, so the assets treat both alike (`brewery_assets.assets.events` turns it into Dagster
events). Over Pipes, metadata travels as Pipes metadata values, each check outcome as a reported
asset check (its description inside its metadata), and the per-location figures and a failure as
custom messages.
"""

from dataclasses import dataclass, field

from brewery_assets.quality import checks
from brewery_assets.quality.checks import CheckOutcome, Markdown

# Inside a reported check's metadata: its description (Pipes has no field for it).
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
    checks: list[CheckOutcome] = field(default_factory=list)
    failure: str | None = None
    retryable: bool = False
    by_location: list[dict] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.failure is None


def blocked_by_checks(table: str, results: list[CheckOutcome], staged_path: str,
                      **metadata: object) -> JobOutcome | None:
    """The outcome of a write-audit-publish whose blocking checks failed, or None when it may publish."""
    failed = checks.blocking_failures(results)
    if not failed:
        return None
    return JobOutcome(
        checks=results,
        failure=f"{table} not published: blocking checks failed ("
        + "; ".join(f"{r.name}: {r.description}" if r.description else r.name for r in failed)
        + f"); the published table is unchanged, the candidate is at {staged_path}",
        metadata={**metadata, "staged": staged_path},
    )


def to_pipes_metadata(metadata: dict) -> dict:
    """Plain metadata as Pipes metadata values (`{"raw_value", "type"}`)."""
    converted = {}
    for name, value in metadata.items():
        if isinstance(value, Markdown):
            converted[name] = {"raw_value": str(value), "type": "md"}
        elif isinstance(value, list | dict):
            converted[name] = {"raw_value": value, "type": "json"}
        elif value is None:
            converted[name] = {"raw_value": None, "type": "null"}
        else:
            converted[name] = {"raw_value": value, "type": "__infer__"}
    return converted


def check_to_pipes(outcome: CheckOutcome) -> dict:
    """The arguments of `PipesContext.report_asset_check` for one check outcome."""
    metadata = dict(outcome.metadata)
    if outcome.description:
        metadata[DESCRIPTION_KEY] = outcome.description
    return {
        "check_name": outcome.name,
        "passed": outcome.passed,
        "severity": "ERROR" if outcome.blocking else "WARN",
        "metadata": to_pipes_metadata(metadata),
    }
