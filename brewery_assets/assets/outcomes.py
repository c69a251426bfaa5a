"""From a Spark job's outcome to what an asset yields."""

from collections.abc import Iterator

import dagster as dg

from brewery_assets.spark_jobs import JobOutcome


def events_of(outcome: JobOutcome, extra_metadata: dict | None = None) -> Iterator:
    """The materialization with its check results; or the check results, then a failure.

    A job that published nothing failed for a reason retrying cannot change (a blocking check, no
    bronze snapshot, a missing key), so the failure does not retry; errors of the engine itself
    are raised by the runner and retried by the job's retry policy.
    """
    if not outcome.published:
        yield from outcome.checks
        raise dg.Failure(description=outcome.failure, metadata=outcome.metadata, allow_retries=False)
    yield dg.MaterializeResult(metadata={**outcome.metadata, **(extra_metadata or {})}, check_results=outcome.checks)
