"""Alert message texts (Slack mrkdwn), built from plain data so they are testable without Slack or Dagster runs."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import dagster as dg

ERROR_MAX_LINES = 4
ERROR_MAX_CHARS = 600
MAX_ERRORS_SHOWN = 3
MAX_FIGURES = 6
FIGURE_MAX_CHARS = 80
DESCRIPTION_MAX_CHARS = 150


@dataclass(frozen=True)
class StepError:
    """The first lines of one failed step's error (`step_key` is None for a run-level failure)."""

    step_key: str | None
    text: str


@dataclass(frozen=True)
class RunFailure:
    """What a run-failure alert says."""

    run_id: str
    job_name: str
    asset_keys: Sequence[dg.AssetKey]
    partition: str | None
    errors: Sequence[StepError]


@dataclass(frozen=True)
class CheckFailure:
    """One failed asset-check evaluation, in the run that recorded it."""

    run_id: str
    asset_key: dg.AssetKey
    check_name: str
    severity: dg.AssetCheckSeverity
    partition: str | None = None
    description: str | None = None
    figures: Sequence[tuple[str, str]] = field(default_factory=tuple)


@dataclass(frozen=True)
class RunSummary:
    """The figures of a successful refresh; None where the run recorded none.

    `rejected` counts every bronze record kept out of silver (the quarantine table's rows),
    `duplicates` the part of them that repeated an id already in silver.
    """

    run_id: str
    job_name: str
    records_ingested: int | None
    bronze_partition: str | None
    silver_rows: int | None
    rejected: int | None
    duplicates: int | None
    locations_rebuilt: int | None
    gold_total: int | None


def escape(text: str) -> str:
    """Escapes the three characters Slack mrkdwn reserves, so user text cannot form links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A Slack mrkdwn link."""
    return f"<{url}|{escape(label)}>"


def run_url(ui_url: str, run_id: str) -> str:
    """The run's page in the Dagster UI."""
    return f"{ui_url}/runs/{run_id}"


def asset_checks_url(ui_url: str, asset_key: dg.AssetKey, check_name: str) -> str:
    """The asset's Checks tab in the Dagster UI, opened on one check."""
    path = "/".join(quote(part, safe="") for part in asset_key.path)
    return f"{ui_url}/assets/{path}?{urlencode({'view': 'checks', 'checkDetail': check_name})}"


def first_lines(text: str, max_lines: int = ERROR_MAX_LINES, max_chars: int = ERROR_MAX_CHARS) -> str:
    """The first non-empty lines of `text`, cut to `max_lines` and `max_chars`, with `...` when cut."""
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    kept = "\n".join(lines[:max_lines])
    cut = len(lines) > max_lines
    if len(kept) > max_chars:
        kept, cut = kept[:max_chars].rstrip(), True
    return kept + ("\n..." if cut else "")


def _code(text: str) -> str:
    return f"`{escape(text)}`"


def _number(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def run_failure_text(failure: RunFailure, ui_url: str) -> str:
    """The run-failure message: run, job, assets, partition, first error lines, link and what to do."""
    url = run_url(ui_url, failure.run_id)
    assets = ", ".join(_code(key.to_user_string()) for key in failure.asset_keys) or "none recorded"
    lines = [
        f":rotating_light: *Run failed*: job {_code(failure.job_name)}",
        f"*Run:* {_code(failure.run_id)}",
        f"*Failed assets:* {assets}",
        f"*Partition:* {_code(failure.partition) if failure.partition else 'none (unpartitioned run)'}",
    ]
    for error in failure.errors[:MAX_ERRORS_SHOWN]:
        where = f" in step {_code(error.step_key)}" if error.step_key else ""
        lines.append(f"*Error*{where}:\n```{escape(first_lines(error.text))}```")
    if len(failure.errors) > MAX_ERRORS_SHOWN:
        lines.append(f"...and {len(failure.errors) - MAX_ERRORS_SHOWN} more failed steps.")
    lines.append(f"*Logs:* {link(url, url)}")
    lines.append(
        "*What to do:* read the error in the run's logs, fix the cause (data, configuration or code), "
        'then use "Re-execute from failure" on the run page.'
    )
    return "\n".join(lines)


def check_failure_line(failure: CheckFailure, ui_url: str) -> str:
    """One bullet of a check-failure message."""
    where = f" partition {_code(failure.partition)}" if failure.partition else ""
    line = (
        f"- *{failure.severity.value}* {_code(failure.asset_key.to_user_string())}{where}: "
        f"check {_code(failure.check_name)}"
    )
    if failure.description:
        line += f" - {escape(first_lines(failure.description, 1, DESCRIPTION_MAX_CHARS))}"
    if failure.figures:
        line += " - " + ", ".join(f"{escape(name)}={escape(value)}" for name, value in failure.figures)
    checks_link = link(asset_checks_url(ui_url, failure.asset_key, failure.check_name), "check")
    return f"{line} ({checks_link} | {link(run_url(ui_url, failure.run_id), 'run')})"


def check_failures_text(
    failures: Sequence[CheckFailure], ui_url: str, batch: int = 1, batches: int = 1
) -> str:
    """One message for a batch of failed checks: a counted header, then one line per evaluation."""
    by_severity = {
        severity.value: sum(1 for failure in failures if failure.severity == severity)
        for severity in (dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN)
    }
    counts = ", ".join(f"{name}: {count}" for name, count in by_severity.items() if count)
    noun = "asset check failed" if len(failures) == 1 else "asset checks failed"
    part = f", message {batch}/{batches}" if batches > 1 else ""
    header = f":warning: *{len(failures)} {noun}* ({counts}{part})"
    return "\n".join([header, *(check_failure_line(failure, ui_url) for failure in failures)])


def rejected_text(rejected: int | None, duplicates: int | None) -> str:
    """`6 (of which duplicates 2)`: every record kept out of silver, and how many repeated an id."""
    if rejected is None:
        return "n/a"
    return f"{rejected:,}" + (f" (of which duplicates {duplicates:,})" if duplicates is not None else "")


def run_summary_text(summary: RunSummary, ui_url: str) -> str:
    """The daily success summary: ingested, silver, rejected, locations rebuilt, gold total, run link."""
    bronze = f" (bronze {summary.bronze_partition})" if summary.bronze_partition else ""
    return "\n".join([
        f":white_check_mark: *Refresh succeeded*: job {_code(summary.job_name)}, run {_code(summary.run_id)}",
        f"- Records ingested{bronze}: {_number(summary.records_ingested)}",
        f"- Silver rows: {_number(summary.silver_rows)}",
        f"- Rejected: {rejected_text(summary.rejected, summary.duplicates)}",
        f"- Locations rebuilt: {_number(summary.locations_rebuilt)}",
        f"- Gold total breweries: {_number(summary.gold_total)}",
        link(run_url(ui_url, summary.run_id), "Open the run in Dagster"),
    ])


def metadata_figures(metadata: dict[str, dg.MetadataValue], limit: int = MAX_FIGURES) -> list[tuple[str, str]]:
    """Short figures from check metadata: numbers, booleans and one-line text; markdown, tables, JSON skipped."""
    figures: list[tuple[str, str]] = []
    for name, value in metadata.items():
        if len(figures) >= limit:
            break
        raw = value.value
        if isinstance(value, dg.FloatMetadataValue) and raw is not None:
            figures.append((name, f"{raw:g}"))
        elif isinstance(value, dg.IntMetadataValue | dg.BoolMetadataValue) and raw is not None:
            figures.append((name, str(raw)))
        elif isinstance(value, dg.TextMetadataValue) and raw and "\n" not in raw:
            text = raw if len(raw) <= FIGURE_MAX_CHARS else raw[: FIGURE_MAX_CHARS - 3] + "..."
            figures.append((name, text))
    return figures
