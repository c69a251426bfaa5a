"""An offline Open Brewery DB v1 replay server with fault injection, snapshot files and a dataset generator."""

from typing import TYPE_CHECKING, Any

from brewery_assets.ingestion.dump_files import load_dump, write_dump
from brewery_assets.replay.faults import FaultPlan
from brewery_assets.replay.generator import generate_breweries, iter_breweries

if TYPE_CHECKING:
    from brewery_assets.replay.server import ReplayServer

__all__ = ["FaultPlan", "ReplayServer", "generate_breweries", "iter_breweries", "load_dump", "write_dump"]


def __getattr__(name: str) -> Any:
    # The server module is imported on first use, so that `python -m brewery_assets.replay.server` does not
    # find it already imported by this package (runpy warns about that).
    if name == "ReplayServer":
        from brewery_assets.replay.server import ReplayServer

        return ReplayServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
