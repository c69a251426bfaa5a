"""Spark on AWS EMR Serverless: launching job runs through Dagster Pipes, and the packaged job code."""
