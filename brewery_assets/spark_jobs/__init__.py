"""The Spark work behind silver, its anonymized copy, gold and the history: one function per asset.

Each job is `(SparkSession, LakeLayout, request) -> JobOutcome`, with a JSON request and a
`JobOutcome` of metadata and check results. The assets decide what to rebuild and hand the request
to a `SparkJobRunner` resource (`brewery_assets.resources.job_runners`), which runs the job in this
process (the embedded engine or any Spark Connect server) or in a process of its own through
Dagster Pipes: a local subprocess or EMR Serverless (`brewery_assets.spark_jobs.entrypoint`). Same code everywhere.
"""

from brewery_assets.spark_jobs.anonymized import publish_anonymized
from brewery_assets.spark_jobs.changes import publish_changes, publish_counts_daily
from brewery_assets.spark_jobs.gold import publish_gold
from brewery_assets.spark_jobs.history import publish_history
from brewery_assets.spark_jobs.outcome import JobOutcome
from brewery_assets.spark_jobs.silver import publish_silver

JOBS = {
    "silver": publish_silver,
    "anonymized": publish_anonymized,
    "gold": publish_gold,
    "history": publish_history,
    "changes": publish_changes,
    "counts_daily": publish_counts_daily,
}

__all__ = [
    "JOBS", "JobOutcome", "publish_anonymized", "publish_changes", "publish_counts_daily", "publish_gold",
    "publish_history", "publish_silver",
]
