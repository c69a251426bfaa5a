"""brewery_assets: a Dagster code location running a bronze/silver/gold Delta lake of Open Brewery DB data."""

import warnings

# Silver's single-run backfills rely on `backfill_policy`, still marked beta in Dagster 1.13. The
# warning asks nothing of an operator, and every process that loads the code location (each run
# worker, each code server) would print it again.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy` of function `asset` is currently in beta")
