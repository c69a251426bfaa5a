"""The query parameters of `/v1/breweries` and `/v1/breweries/meta`, validated and applied as the live API
(openbrewerydb-laravel-api v1.2.1, `BreweryFilterRequest`, `BreweryFilters`) does.

Validation: `page` and `per_page` are whole numbers (`per_page` 1..200); `sort` is `field[:asc|desc]`,
comma-separated, over the sortable fields; the text filters need 3..255 characters; `by_type` and
`exclude_types` are comma-separated known types; `by_dist` is `latitude,longitude`, with
`by_dist_radius` (0.1..10000) and `by_dist_unit` (`km` or `mi`). A parameter given blank is missing,
which these rules refuse (Laravel turns empty strings into null). Every failure is a 422 with Laravel's
messages. Unknown parameters are ignored.

Filters: the text filters match a substring as SQL `LIKE` does (`%` and `_` are wildcards), ignoring case;
`by_ids`, `by_type` take comma-separated values; `exclude_types` drops those types (and rows without a
type, as SQL `NOT IN` does). `by_dist` keeps rows with coordinates, nearest first. Sorts are stable, nulls
first when ascending, so rows that tie keep their insertion order.
"""

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from brewery_assets.openbrewerydb.fields import BREWERY_TYPES, MAX_PER_PAGE

DEFAULT_PER_PAGE = 50
SORTABLE_FIELDS = ("id", "name", "brewery_type", "type", "city", "state_province", "postal_code", "country")
_TEXT_FILTERS = {"by_city": "city", "by_country": "country", "by_name": "name", "by_postal": "postal_code",
                 "by_state": "state_province"}
# PHP's FILTER_VALIDATE_INT, which Laravel's `integer` rule uses: an optional sign, no leading zeros.
_INTEGER = re.compile(r"[+-]?(?:0|[1-9][0-9]*)")
_NUMERIC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_EARTH_RADIUS = {"km": 6371.0, "mi": 3959.0}


@dataclass
class Query:
    """A valid query: the page asked for, and the filters and sorts to apply (empty: none)."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    filters: list[Callable[[Mapping[str, Any]], bool]] = field(default_factory=list)
    sorts: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending), first is primary
    nearest: tuple[float, float, float | None, str] | None = None  # latitude, longitude, radius, unit

    @property
    def selects(self) -> bool:
        """Whether the query filters or orders rows (else the catalogue is served as stored)."""
        return bool(self.filters or self.sorts or self.nearest)

    def apply(self, records: list[Any]) -> list[int]:
        """The positions of the records this query selects, in its order; elements that are not objects
        never match a filter."""
        positions = list(range(len(records)))
        if self.filters or self.nearest:
            positions = [i for i in positions
                         if isinstance(records[i], Mapping) and all(match(records[i]) for match in self.filters)]
        for name, descending in reversed(self.sorts):
            positions.sort(key=lambda i, n=name: _sort_key(records[i], n), reverse=descending)
        if self.nearest is not None:
            positions = _nearest(records, positions, *self.nearest)
        return positions


def parse_query(query: Mapping[str, str]) -> Query | dict[str, list[str]]:
    """The query, or the validation errors by parameter (for a 422)."""
    errors: dict[str, list[str]] = {}
    parsed = Query()

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name, maximum in (("page", None), ("per_page", MAX_PER_PAGE)):
        value = _given(query, name, fail)
        if value is None:
            continue
        label = _label(name)
        if not _INTEGER.fullmatch(value):
            fail(name, f"The {label} field must be an integer.")
        elif int(value) < 1:
            fail(name, f"The {label} field must be at least 1.")
        elif maximum is not None and int(value) > maximum:
            fail(name, f"The {label} field must not be greater than {maximum}.")
        else:
            setattr(parsed, name, int(value))

    for name, column in _TEXT_FILTERS.items():
        value = _text(query, name, fail)
        if value is not None:
            parsed.filters.append(_like(column, value))
    ids = _text(query, "by_ids", fail)
    if ids is not None:
        wanted = {part.strip() for part in ids.split(",")}
        parsed.filters.append(lambda r: r.get("id") in wanted)
    for name, keep in (("by_type", True), ("exclude_types", False)):
        value = _given(query, name, fail)
        if value is None:
            continue
        types = [part.strip() for part in value.split(",")]
        unknown = [t for t in types if t not in BREWERY_TYPES]
        for t in unknown:
            fail(name, f"The {name} contains invalid brewery type: {t}")
        if not unknown:
            chosen = set(types)
            parsed.filters.append((lambda r, c=chosen: r.get("brewery_type") in c) if keep else
                                  (lambda r, c=chosen: r.get("brewery_type") is not None
                                   and r.get("brewery_type") not in c))

    sort = _given(query, "sort", fail)
    if sort is not None:
        parsed.sorts = _sorts(sort, fail)
    _distance(query, parsed, fail)
    return errors or parsed


def _given(query: Mapping[str, str], name: str, fail: Callable[[str, str], None]) -> str | None:
    """The trimmed value of a parameter, None when absent; a blank one fails `required`."""
    if name not in query:
        return None
    value = query[name].strip()
    if not value:
        fail(name, f"The {_label(name)} field is required.")
        return None
    return value


def _text(query: Mapping[str, str], name: str, fail: Callable[[str, str], None]) -> str | None:
    value = _given(query, name, fail)
    if value is None:
        return None
    if len(value) < 3:
        fail(name, f"The {_label(name)} field must be at least 3 characters.")
    elif len(value) > 255:
        fail(name, f"The {_label(name)} field must not be greater than 255 characters.")
    else:
        return value
    return None


def _sorts(value: str, fail: Callable[[str, str], None]) -> list[tuple[str, bool]]:
    sorts = []
    for item in value.split(","):
        parts = [part.strip() for part in item.split(":")]
        direction = parts[1].lower() if len(parts) > 1 else "asc"
        if len(parts) > 2 or parts[0] not in SORTABLE_FIELDS:
            fail("sort", f"The sort contains an invalid sort field. Valid fields are: {', '.join(SORTABLE_FIELDS)}.")
            return []
        if direction not in ("asc", "desc"):
            fail("sort", "The sort direction must be asc or desc.")
            return []
        sorts.append(("brewery_type" if parts[0] == "type" else parts[0], direction == "desc"))
    return sorts


def _distance(query: Mapping[str, str], parsed: Query, fail: Callable[[str, str], None]) -> None:
    point = _given(query, "by_dist", fail)
    radius_text = _given(query, "by_dist_radius", fail)
    unit = _given(query, "by_dist_unit", fail)
    radius = None
    if radius_text is not None:
        if not _NUMERIC.fullmatch(radius_text):
            fail("by_dist_radius", "The by dist radius field must be a number.")
        elif float(radius_text) < 0.1:
            fail("by_dist_radius", "The by dist radius field must be at least 0.1.")
        elif float(radius_text) > 10000:
            fail("by_dist_radius", "The by dist radius field must not be greater than 10000.")
        else:
            radius = float(radius_text)
    if unit is not None and unit not in _EARTH_RADIUS:
        fail("by_dist_unit", "The selected by dist unit is invalid.")
    if point is None:
        return
    parts = [part.strip() for part in point.split(",")]
    if len(parts) != 2:
        fail("by_dist", "The by dist must be a valid coordinate pair (latitude,longitude).")
        return
    latitude, longitude = parts
    if not _NUMERIC.fullmatch(latitude) or abs(float(latitude)) > 90:
        fail("by_dist", "The latitude in by dist must be a number between -90 and 90.")
    elif not _NUMERIC.fullmatch(longitude) or abs(float(longitude)) > 180:
        fail("by_dist", "The longitude in by dist must be a number between -180 and 180.")
    else:
        parsed.nearest = (float(latitude), float(longitude), radius, unit if unit in _EARTH_RADIUS else "mi")


def _label(name: str) -> str:
    # Laravel names a parameter in messages with its underscores as spaces.
    return name.replace("_", " ")


def _like(column: str, pattern: str) -> Callable[[Mapping[str, Any]], bool]:
    """SQL `column LIKE '%pattern%'`, ignoring case: `%` and `_` in the pattern are wildcards."""
    regex = re.compile("".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern),
                       re.IGNORECASE | re.DOTALL)
    return lambda r: isinstance(r.get(column), str) and regex.search(r[column]) is not None


def _sort_key(record: Any, name: str) -> tuple:
    value = record.get(name) if isinstance(record, Mapping) else None
    # SQL puts nulls first when ascending (and so last when descending, as the whole order reverses).
    return (value is not None, "" if value is None else str(value))


def _nearest(records: list, positions: list[int], latitude: float, longitude: float, radius: float | None,
             unit: str) -> list[int]:
    located = []
    for i in positions:
        try:
            lat, lon = float(records[i].get("latitude")), float(records[i].get("longitude"))
        except (TypeError, ValueError):
            continue  # `whereNotNull('latitude')`, and a value that is not a number cannot be measured
        distance = _haversine(latitude, longitude, lat, lon, _EARTH_RADIUS[unit])
        if radius is None or distance <= radius:
            located.append((distance, i))
    located.sort(key=lambda pair: pair[0])
    return [i for _, i in located]


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float, earth_radius: float) -> float:
    # The formula of the API's `orderByDistance`, clamped against rounding just outside acos's domain.
    cosine = (math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.cos(math.radians(lon2) -
              math.radians(lon1)) + math.sin(math.radians(lat1)) * math.sin(math.radians(lat2)))
    return earth_radius * math.acos(max(-1.0, min(1.0, cosine)))
