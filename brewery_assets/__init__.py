"""brewery_assets: a Dagster code location running a bronze/silver/gold Delta lake of Open Brewery DB data."""
