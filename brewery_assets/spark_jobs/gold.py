"""The gold job: brewery counts per location and type from one published silver version.

Gold is written, audited and published like silver (see `brewery_assets.quality.wap`): it reads one
silver version, stages its counts, checks them against that version, and publishes them only when
every blocking check passes. Request: `{"run_id": id}`.
"""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.lake import LakeLayout
from brewery_assets.quality import wap
from brewery_assets.quality.checks import Markdown
from brewery_assets.quality.gold_audits import audit_gold
from brewery_assets.spark_jobs.outcome import JobOutcome, blocked_by_checks
from brewery_assets.spark_jobs.silver import PUBLISH_ATTEMPTS
from brewery_assets.transformations.gold import count_breweries


def publish_gold(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Recomputes every count from one silver version, audits them, and publishes them."""
    silver_version = delta_tables.table_version(layout.silver_breweries)
    if silver_version is None:
        return JobOutcome(failure="silver_breweries has not been published yet: materialize it first")
    silver = wap.read_published(session, layout.silver_breweries, silver_version)
    path = layout.gold_brewery_counts

    staged = wap.stage(count_breweries(silver), path, wap.stage_id(request.get("run_id")))
    results = audit_gold(staged.rows, silver.count())
    blocked = blocked_by_checks("gold", results, staged.path)
    if blocked:
        return blocked
    # The counts depend on the silver version only, so another gold commit in between changes
    # nothing they were audited against: publish against the newer version.
    for _ in range(PUBLISH_ATTEMPTS):
        try:
            version = wap.publish(staged, delta_tables.table_version(path))
            break
        except delta_tables.PublishConflict:
            continue
    else:
        return JobOutcome(failure="gold kept changing under this run; nothing was published", retryable=True)

    gold = wap.read_published(session, path, version)
    totals = gold.agg(F.count(F.lit(1)).alias("rows"), F.sum("brewery_count").alias("breweries")).first()
    top = gold.orderBy(F.desc("brewery_count"), "country", "state", "brewery_type").limit(10).toPandas()
    wap.release(staged, layout.store(path))
    return JobOutcome(
        metadata={
            "dagster/row_count": totals["rows"],
            "breweries": int(totals["breweries"] or 0),
            "locations": gold.select("country", "state").distinct().count(),
            "silver_version": silver_version,
            "delta_version": version,
            "path": path,
            "top_counts": Markdown(top.to_markdown(index=False)),
        },
        checks=results,
    )
