"""A small requests client for the two Open Brewery DB v1 endpoints the lake reads."""

import json
import math
from dataclasses import dataclass

import requests

from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE


class OpenBreweryDBError(RuntimeError):
    """The API answered something the client cannot use; the message names the request."""


@dataclass(frozen=True)
class Page:
    """One page of `/v1/breweries` as received: the raw body and its parsed records."""

    number: int
    body: bytes
    records: list[dict]


class OpenBreweryDBClient:
    """Reads `/v1/breweries/meta` and `/v1/breweries?page=&per_page=` from `base_url` (ending in `/v1`)."""

    def __init__(self, base_url: str, timeout: float = 30.0, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        # Without this header the real API redirects validation errors instead of answering JSON.
        self.session.headers.update({"Accept": "application/json", "User-Agent": "brewery-assets/0.1"})

    def _get(self, path: str, params: dict | None = None) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise OpenBreweryDBError(f"GET {url} {params or ''} failed: {exc}") from exc
        if response.status_code != 200:
            raise OpenBreweryDBError(
                f"GET {response.url} answered HTTP {response.status_code}: {response.text[:300]}"
            )
        return response

    def meta(self) -> dict:
        """The `/breweries/meta` object: `total` and counts by state, country and type."""
        meta = _parse_json(self._get("/breweries/meta"), expect=dict)
        if not isinstance(meta.get("total"), int | str):
            raise OpenBreweryDBError(f"/breweries/meta has no usable 'total': {str(meta)[:300]}")
        meta["total"] = int(meta["total"])  # the legacy API sent numbers as strings
        return meta

    def page(self, number: int, per_page: int = MAX_PER_PAGE) -> Page:
        """One page of breweries; past the last page the API answers an empty list."""
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, got {per_page}")
        response = self._get("/breweries", {"page": number, "per_page": per_page})
        return Page(number=number, body=response.content, records=_parse_json(response, expect=list))

    @staticmethod
    def page_count(total: int, per_page: int = MAX_PER_PAGE) -> int:
        """How many pages hold `total` records."""
        return math.ceil(total / per_page)


def _parse_json(response: requests.Response, expect: type) -> dict | list:
    try:
        value = json.loads(response.content)
    except ValueError as exc:
        raise OpenBreweryDBError(f"GET {response.url} returned a body that is not JSON: {exc}") from exc
    if not isinstance(value, expect):
        raise OpenBreweryDBError(
            f"GET {response.url} returned JSON {type(value).__name__}, expected {expect.__name__}"
        )
    return value
