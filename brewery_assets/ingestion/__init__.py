"""Getting source data into bronze: snapshots written whole, then published."""
