"""The anonymized-copy job: silver under a keyed pseudonym, place and type generalised.

The copy is written, audited and published like silver (`brewery_assets.quality.wap`): it reads one
silver version, stages the rebuilt locations, checks that each of them holds exactly silver's rows
and that few enough rows of the whole copy could be singled out, and commits against the copy's
version it read.

Request: `{"locations": [[country, state], ...] | null, "run_id": id, "deployment": name,
"key_secret_id": id, "min_group_size": k, "grid_degrees": width, "max_unique_share": share}`; `null`
locations rebuild the whole copy, and a missing or null setting takes its default
(`Generalisation`, `DEFAULT_MAX_UNIQUE_SHARE`). The key comes from the job's environment or from the
Secrets Manager secret the request names (`brewery_assets.quality.anonymization_key`), never from the request.
"""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.lake import LakeLayout
from brewery_assets.quality import wap
from brewery_assets.quality.anonymization_key import MissingHashKeyError, hash_key
from brewery_assets.quality.anonymized_audits import (
    DEFAULT_MAX_UNIQUE_SHARE,
    GroupSizes,
    audit_anonymized,
    group_sizes,
    reidentification_risk,
)
from brewery_assets.quality.silver_audits import location_figures
from brewery_assets.spark_jobs.outcome import JobOutcome, blocked_by_checks
from brewery_assets.spark_jobs.silver import PUBLISH_ATTEMPTS, requested_locations
from brewery_assets.transformations.anonymize import (
    ANONYMIZED_COLUMNS,
    CLEAR_COLUMNS,
    Generalisation,
    anonymize,
    pseudonyms,
)
from brewery_assets.transformations.silver import PARTITION_COLUMNS, location_ids, restrict_to_locations

PSEUDONYM = "brewery_key"


def _settings(request: dict) -> tuple[Generalisation, float]:
    """The request's generalisation and largest share of unique rows; ValueError when out of range."""
    chosen = {name: request[name] for name in ("min_group_size", "grid_degrees") if request.get(name) is not None}
    generalisation = Generalisation(**chosen)
    share = request.get("max_unique_share")
    share = DEFAULT_MAX_UNIQUE_SHARE if share is None else share
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ValueError(f"max_unique_share must be between 0 and 1, not {share!r}")
    return generalisation, float(share)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _table_figures(groups: GroupSizes) -> dict:
    """The whole copy's re-identification figures, as the materialization shows them."""
    locations = groups.by_location.values()
    return {
        "table_rows": groups.rows,
        "table_unique_rows": groups.unique_rows,
        "table_unique_row_share": groups.unique_share,
        "table_smallest_group": groups.smallest_group,
        "table_brewery_type_shown_share": _share(sum(g.type_shown for g in locations), groups.rows),
        "table_cell_shown_share": _share(sum(g.cell_shown for g in locations), groups.rows),
    }


def publish_anonymized(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Rebuilds the requested locations (or all) of the anonymized copy from one published silver version."""
    try:
        key, development_key = hash_key(request.get("deployment"), request.get("key_secret_id"))
        generalisation, max_unique_share = _settings(request)
    except (MissingHashKeyError, ValueError) as error:
        return JobOutcome(failure=str(error))
    silver_version = delta_tables.table_version(layout.silver_breweries)
    if silver_version is None:
        return JobOutcome(failure="silver_breweries has not been published yet: materialize it first")
    silver = wap.read_published(session, layout.silver_breweries, silver_version)
    path = layout.silver_anonymized
    chosen = requested_locations(request)
    if chosen is not None and not delta_tables.has_layout(path, ANONYMIZED_COLUMNS, PARTITION_COLUMNS):
        chosen = None  # no copy yet, or an older layout: rebuilt whole
    rebuilt_ids = None if chosen is None else frozenset(location_ids(chosen))
    source = silver if chosen is None else restrict_to_locations(silver, chosen)
    staged = wap.stage(anonymize(source, key, generalisation), path, wap.stage_id(request.get("run_id")),
                       PARTITION_COLUMNS)
    # Silver's ids through the same keyed pseudonym: what every rebuilt location must hold.
    silver_figures = location_figures(pseudonyms(silver, key), PSEUDONYM)

    for _ in range(PUBLISH_ATTEMPTS):
        read_version = delta_tables.table_version(path)
        published = wap.read_published(session, path, read_version)
        kept = None if rebuilt_ids is None or published is None else published.where(
            ~F.col("location_id").isin(sorted(rebuilt_ids)))
        candidate = wap.candidate(staged, published, kept)
        groups = group_sizes(candidate, CLEAR_COLUMNS)
        results = [
            *audit_anonymized(location_figures(candidate, PSEUDONYM), silver_figures, rebuilt_ids, silver_version),
            reidentification_risk(groups, max_unique_share, generalisation.min_group_size, CLEAR_COLUMNS),
        ]
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
        {"country": g.country, "state": g.state, "rows": g.rows, "unique_rows": g.unique_rows,
         "unique_row_share": _share(g.unique_rows, g.rows), "smallest_group": g.smallest_group,
         "brewery_type_shown": g.type_shown, "cell_shown": g.cell_shown}
        for location, g in groups.by_location.items() if rebuilt_ids is None or location in rebuilt_ids
    ]
    wap.release(staged, layout.store(path))
    return JobOutcome(
        metadata={
            "pseudonym": PSEUDONYM,
            "clear_columns": list(CLEAR_COLUMNS),
            "min_group_size": generalisation.min_group_size,
            "grid_degrees": generalisation.grid_degrees,
            "max_unique_share": max_unique_share,
            **_table_figures(groups),
            "development_key": development_key,
            "full_rebuild": chosen is None,
            "silver_version": silver_version,
            "delta_version": version,
            "path": path,
        },
        checks=results,
        by_location=by_location,
    )
