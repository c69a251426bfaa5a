"""The Open Brewery DB source as a Dagster resource."""

import dagster as dg
from pydantic import Field

from brewery_assets.settings import PUBLIC_API_URL


class OpenBreweryDBResource(dg.ConfigurableResource):
    """An Open Brewery DB v1 API: the public one, a mirror, or the offline replay server."""

    base_url: str = Field(default=PUBLIC_API_URL, description="API base URL, ending in /v1.")
    timeout_seconds: float = Field(default=30.0, description="Timeout of each HTTP request.")
