"""The anonymized-copy job: silver with identifying columns hashed under a secret key.

The copy is written, audited and published like silver (`brewery_assets.quality.wap`): it reads one
silver version, stages the rebuilt locations, checks that each of them holds exactly silver's rows,
and commits against the copy's version it read.

Request: `{"locations": [[country, state], ...] | null, "run_id": id, "deployment": name,
"key_secret_id": id}`; `null` locations rebuild the whole copy. The key comes from the job's
environment or from the Secrets Manager secret the request names (`brewery_assets.quality.hash_key`),
never from the request.
"""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.lake import LakeLayout
from brewery_assets.quality import wap
from brewery_assets.quality.anonymized_audits import audit_anonymized
from brewery_assets.quality.hash_key import MissingHashKeyError, hash_key
from brewery_assets.quality.silver_audits import location_figures
from brewery_assets.spark_jobs.outcome import JobOutcome, blocked_by_checks
from brewery_assets.spark_jobs.silver import PUBLISH_ATTEMPTS, requested_locations
from brewery_assets.transformations.anonymize import HASHED_COLUMNS, anonymize
from brewery_assets.transformations.silver import PARTITION_COLUMNS, location_ids, restrict_to_locations


def publish_anonymized(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Rebuilds the requested locations (or all) of the anonymized copy from one published silver version."""
    try:
        key, development_key = hash_key(request.get("deployment"), request.get("key_secret_id"))
    except MissingHashKeyError as error:
        return JobOutcome(failure=str(error))
    silver_version = delta_tables.table_version(layout.silver_breweries)
    if silver_version is None:
        return JobOutcome(failure="silver_breweries has not been published yet: materialize it first")
    silver = wap.read_published(session, layout.silver_breweries, silver_version)
    path = layout.silver_anonymized
    anonymized = anonymize(silver, key)
    chosen = requested_locations(request)
    if chosen is not None and not delta_tables.has_layout(path, anonymized.columns, PARTITION_COLUMNS):
        chosen = None  # no copy yet, or an older layout: rebuilt whole
    rebuilt_ids = None if chosen is None else frozenset(location_ids(chosen))
    staged = wap.stage(anonymized if chosen is None else restrict_to_locations(anonymized, chosen), path,
                       wap.stage_id(request.get("run_id")), PARTITION_COLUMNS)
    silver_figures = location_figures(silver)

    for _ in range(PUBLISH_ATTEMPTS):
        read_version = delta_tables.table_version(path)
        published = wap.read_published(session, path, read_version)
        kept = None if rebuilt_ids is None or published is None else published.where(
            ~F.col("location_id").isin(sorted(rebuilt_ids)))
        candidate = wap.candidate(staged, published, kept)
        results = audit_anonymized(location_figures(candidate), silver_figures, rebuilt_ids, silver_version)
        blocked = blocked_by_checks("silver_breweries_anonymized", results, staged.path)
        if blocked:
            return blocked
        try:
            version = wap.publish(staged, read_version,
                                  None if rebuilt_ids is None else ("location_id", sorted(rebuilt_ids)),
                                  {"brewery.silver_version": str(silver_version)})
            break
        except delta_tables.PublishConflict:
            continue
    else:
        return JobOutcome(failure="the anonymized copy kept changing under this run; nothing was published",
                          retryable=True)

    by_location = [
        {"country": row["country"], "state": row["state"], "rows": int(row["n"])}
        for row in staged.rows.groupBy("country", "state").agg(F.count(F.lit(1)).alias("n")).collect()
    ]
    wap.release(staged, layout.store(path))
    return JobOutcome(
        metadata={
            "hashed_columns": list(HASHED_COLUMNS),
            "development_key": development_key,
            "full_rebuild": chosen is None,
            "silver_version": silver_version,
            "delta_version": version,
            "path": path,
        },
        checks=results,
        by_location=by_location,
    )
