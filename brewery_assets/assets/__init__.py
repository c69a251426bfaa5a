"""Dagster assets, one module per layer. They are thin: the work is in `ingestion` and `transformations`."""
