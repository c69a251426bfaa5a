"""The name of every asset of the lake, defined once. Each asset is named after the table it writes;
these names are also the asset keys (`dg.AssetKey(name)`), the SQL names of `brewery-lake sql` and
the names sensors, alerts and scripts look for. Plain strings: the Spark side uses them too."""

BRONZE = "bronze_breweries"
SILVER = "silver_breweries"
ANONYMIZED = "silver_breweries_anonymized"
GOLD = "gold_brewery_counts"
HISTORY = "silver_brewery_history"
CHANGES = "gold_brewery_changes"
COUNTS_DAILY = "gold_brewery_counts_daily"
