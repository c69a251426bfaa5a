"""Dagster resources: the Spark session, the lake and the Open Brewery DB source."""
