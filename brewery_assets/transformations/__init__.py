"""Pure transformations: functions over Spark DataFrames, free of Dagster, run the same everywhere.

They use only the DataFrame API, so one code path serves the embedded engine (Spark Connect on
Sail), a classic local Spark and Apache Spark on EMR.
"""
