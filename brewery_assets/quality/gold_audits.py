"""The audits of a gold candidate: positive counts, one row per key, and an exact sum to silver."""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from brewery_assets.quality import checks
from brewery_assets.quality.samples import sample

GOLD_KEY_COLUMNS = ("country", "state", "brewery_type")


def audit_gold(candidate: DataFrame, silver_rows: int) -> list[checks.CheckOutcome]:
    """Every gold check's result on the staged counts, given the row count of the silver they came from."""
    key = F.concat_ws("\u0000", *(F.coalesce(F.col(c), F.lit("\u0001")) for c in GOLD_KEY_COLUMNS))
    row = candidate.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_distinct(key).alias("keys"),
        F.count_if(F.col("brewery_count").isNull() | (F.col("brewery_count") < 1)).alias("not_positive"),
        F.sum("brewery_count").alias("total"),
    ).first()
    rows, keys, not_positive, total = int(row["rows"]), int(row["keys"]), int(row["not_positive"]), int(
        row["total"] or 0)

    positive_meta: dict = {"rows": rows, "not_positive": not_positive}
    if not_positive:
        positive_meta["sample"] = sample(
            candidate, F.col("brewery_count").isNull() | (F.col("brewery_count") < 1))

    unique_meta: dict = {"rows": rows, "distinct_keys": keys, "repeated_rows": rows - keys}
    if rows != keys:
        repeated = candidate.groupBy(*GOLD_KEY_COLUMNS).agg(F.count(F.lit(1)).alias("rows"))
        unique_meta["sample"] = sample(repeated, F.col("rows") > 1)

    return [
        checks.result(
            check_name=checks.COUNTS_POSITIVE, passed=not_positive == 0, metadata=positive_meta,
            description=f"{not_positive:,} of {rows:,} counts are missing or below 1" if not_positive
            else f"all {rows:,} counts are at least 1"),
        checks.result(
            check_name=checks.SUMS_TO_SILVER,
            passed=total == silver_rows,
            metadata={"sum_of_counts": total, "silver_rows": silver_rows, "difference": total - silver_rows},
            description=f"the counts sum to {total:,}; silver has {silver_rows:,} rows"
            + ("" if total == silver_rows else f" (difference {total - silver_rows:+,})"),
        ),
        checks.result(
            check_name=checks.ONE_ROW_PER_LOCATION_AND_TYPE, passed=rows == keys, metadata=unique_meta,
            description=f"{rows - keys:,} rows repeat a (country, state, brewery_type)" if rows != keys
            else f"{rows:,} rows, one per (country, state, brewery_type)"),
    ]
