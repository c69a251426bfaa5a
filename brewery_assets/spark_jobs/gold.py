"""The gold job: brewery counts per location and type from the published silver table.

Gold is written, audited and published like silver (see `brewery_assets.quality.wap`): it reads the
published silver table only, stages its counts, and publishes them only when every blocking check
passes. Request: `{}`.
"""

import dagster as dg
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from brewery_assets.assets.metadata import preview
from brewery_assets.lake import LakeLayout
from brewery_assets.quality import wap
from brewery_assets.quality.gold_audits import audit_gold
from brewery_assets.spark_jobs.outcome import JobOutcome, blocked_by_checks
from brewery_assets.transformations.gold import count_breweries


def publish_gold(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Recomputes every count from the published silver table, audits them, and publishes them."""
    silver = session.read.format("delta").load(layout.silver_breweries)
    path = layout.gold_brewery_counts

    staged = wap.stage(count_breweries(silver), path)
    results = audit_gold(staged, silver.count())
    blocked = blocked_by_checks("gold", results, path)
    if blocked:
        return blocked
    version = wap.publish(staged, path)

    gold = session.read.format("delta").load(path)
    totals = gold.agg(F.count(F.lit(1)).alias("rows"), F.sum("brewery_count").alias("breweries")).first()
    top = gold.orderBy(F.desc("brewery_count"), "country", "state", "brewery_type").limit(10).toPandas()
    return JobOutcome(
        metadata={
            "dagster/row_count": totals["rows"],
            "breweries": int(totals["breweries"] or 0),
            "locations": gold.select("country", "state").distinct().count(),
            "delta_version": version,
            "path": dg.MetadataValue.path(path),
            "top_counts": preview(top),
        },
        checks=results,
    )
