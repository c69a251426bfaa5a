"""The anonymized-copy job: silver with identifying columns hashed under a secret key.

Request: `{"locations": [[country, state], ...] | null, "deployment": name, "key_secret_id": id}`;
`null` locations rebuild the whole copy. The key comes from the job's environment or from the
Secrets Manager secret the request names (`brewery_assets.quality.hash_key`), never from the request.
"""

import dagster as dg
from pyspark.sql import SparkSession

from brewery_assets import delta_tables
from brewery_assets.lake import LakeLayout
from brewery_assets.quality.hash_key import MissingHashKeyError, hash_key
from brewery_assets.spark_jobs.outcome import JobOutcome
from brewery_assets.transformations.anonymize import HASHED_COLUMNS, anonymize
from brewery_assets.transformations.silver import PARTITION_COLUMNS, SILVER_COLUMNS, restrict_to_locations


def publish_anonymized(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Rebuilds the requested locations (or all) of the anonymized copy from the published silver table."""
    try:
        key, development_key = hash_key(request.get("deployment"), request.get("key_secret_id"))
    except MissingHashKeyError as error:
        return JobOutcome(failure=str(error))
    if not delta_tables.table_exists(layout.silver_breweries):
        return JobOutcome(failure="silver_breweries has not been published yet: materialize it first")
    silver = session.read.format("delta").load(layout.silver_breweries)
    path = layout.silver_anonymized
    locations = request.get("locations")
    # A missing copy, or one with other columns than silver's, is rebuilt whole.
    if set(delta_tables.column_names(path)) != set(SILVER_COLUMNS):
        locations = None
    if locations is None:
        delta_tables.overwrite_table(anonymize(silver, key), path, PARTITION_COLUMNS)
    else:
        chosen = [(country, state) for country, state in locations]
        delta_tables.replace_locations(anonymize(restrict_to_locations(silver, chosen), key), path, chosen)

    table = session.read.format("delta").load(path)
    rows = table.count()
    return JobOutcome(
        metadata={
            "dagster/row_count": rows,
            "hashed_columns": dg.MetadataValue.json(list(HASHED_COLUMNS)),
            "development_key": development_key,
            "full_rebuild": locations is None,
            "rows_rebuilt": rows if locations is None else restrict_to_locations(table, chosen).count(),
            "delta_version": delta_tables.table_version(path),
            "path": dg.MetadataValue.path(path),
        }
    )
