"""JSON as the live API writes it: PHP's `json_encode` with its default flags."""

import json
import math
from typing import Any


def php_json(value: Any) -> bytes:
    """`value` encoded as PHP's `json_encode` does by default: whole numbers without a fraction (`36`),
    `/` escaped as `\\/`, non-ASCII as `\\uXXXX`, no spaces."""
    # `\/` is a valid JSON escape, and "/" can only occur inside strings, so replacing it is safe.
    return json.dumps(_whole_numbers(value), separators=(",", ":")).replace("/", "\\/").encode("ascii")


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value
