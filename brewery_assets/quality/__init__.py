"""Data quality: the rules silver and gold must meet, and write-audit-publish.

Dagster-free: the Spark jobs run these audits and return plain check outcomes.

- `checks`: every asset's checks (blocking ones stop publishing, the others report drift) and the
  `CheckOutcome` a check produces.
- `schemas`: silver's columns and types (pandera) and the value rules of its columns.
- `silver_audits`, `gold_audits`, `anonymized_audits`, `history_audits`: compute every check's result,
  figures and sample rows (for the anonymized copy, also how many of its rows a join could single out).
- `wap`: stage, audit, publish; readers only ever see published tables.
- `anonymization_key`: the secret key of the anonymized copy (environment or Secrets Manager).
"""
