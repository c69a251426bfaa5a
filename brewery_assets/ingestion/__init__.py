"""Getting source data into bronze: the API (verified against drift) or a file dump, published whole."""
