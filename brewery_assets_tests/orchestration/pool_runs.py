"""A job whose only step holds a concurrency pool for as long as it is told to: a stand-in for a
long lake write, for tests that kill a run mid-write (`dagster job execute -f` this file)."""

import os
import time

import dagster as dg

POOL = "lake_test_table"


@dg.asset(pool=POOL)
def long_write() -> None:
    """Holds the pool for HOLD_SECONDS seconds."""
    time.sleep(float(os.environ.get("HOLD_SECONDS", "600")))


defs = dg.Definitions(assets=[long_write], jobs=[dg.define_asset_job("long_write_job", [long_write])])
