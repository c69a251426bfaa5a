"""Data quality: the rules silver and gold must meet, and write-audit-publish.

- `checks`: the asset checks each asset declares (ERROR ones block, WARN ones report drift).
- `schemas`: the pandera (PySpark) schema of silver: column types and value rules.
- `silver_audits`, `gold_audits`, `anonymized_audits`: compute every check's result, figures and sample
  rows (for the anonymized copy, also how many of its rows a join could single out).
- `wap`: stage, audit, publish; readers only ever see published tables.
- `hash_key`: the key of the anonymized copy of silver.
"""
