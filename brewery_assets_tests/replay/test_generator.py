"""generate_breweries / iter_breweries: determinism, shape and realism of the synthetic dataset."""

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest

from brewery_assets.ingestion.dump_files import normalise_record
from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS, BREWERY_TYPES
from brewery_assets.replay import generate_breweries, iter_breweries
from brewery_assets.replay.generator import uuid4_batch
from brewery_assets.transformations.country_bounds import COUNTRY_BOXES, inside
from brewery_assets_tests.conftest import REPO_ROOT

REAL_TYPE_SHARES = {
    "micro": 49.4, "brewpub": 33.3, "planning": 5.4, "closed": 5.4, "regional": 2.0, "contract": 1.8,
    "large": 1.2, "proprietor": 0.6, "taproom": 0.4, "bar": 0.3, "nano": 0.2, "cidery": 0.1,
}


@pytest.fixture(scope="module")
def breweries() -> list[dict]:
    return generate_breweries()


def test_default_size_and_api_shape(breweries: list[dict]) -> None:
    assert len(breweries) == 12_000
    assert all(tuple(r) == BREWERY_FIELDS for r in breweries)
    # Already in the shape load_dump returns: strings or None, float coordinates.
    assert all(normalise_record(r) == r for r in breweries)
    assert all(r["state"] == r["state_province"] and r["street"] == r["address_1"] for r in breweries)


def test_deterministic_for_a_seed(breweries: list[dict]) -> None:
    assert generate_breweries() == breweries
    assert generate_breweries(2_000, seed=42) == generate_breweries(2_000, seed=42)
    other = generate_breweries(seed=1)
    assert other != breweries
    assert not {r["id"] for r in other} & {r["id"] for r in breweries}


def test_independent_of_hash_seed() -> None:
    code = (
        "import hashlib, json\n"
        "from brewery_assets.replay.generator import generate_breweries\n"
        "print(hashlib.sha256(json.dumps(generate_breweries(3000, 99)).encode()).hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO_ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
        digests.add(result.stdout.strip())
    expected = hashlib.sha256(json.dumps(generate_breweries(3000, 99)).encode()).hexdigest()
    assert digests == {expected}


def test_iter_yields_the_same_records() -> None:
    records = iter_breweries(7_000, seed=8)
    assert not isinstance(records, list)
    assert list(records) == generate_breweries(7_000, seed=8)


def test_small_and_invalid_counts() -> None:
    assert generate_breweries(0) == []
    assert len(generate_breweries(1)) == 1
    with pytest.raises(ValueError, match="count"):
        generate_breweries(-1)


def test_ids_are_unique_uuid4(breweries: list[dict]) -> None:
    ids = [r["id"] for r in breweries]
    assert len(set(ids)) == len(ids)
    for brewery_id in ids:
        parsed = uuid.UUID(brewery_id)
        assert str(parsed) == brewery_id  # lowercase, canonical
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_uuid_batch_matches_uuid_module() -> None:
    batch = uuid4_batch(random.Random(5), 40)
    bits = random.Random(5).getrandbits(128 * 40)
    chunks = [(bits >> (128 * (39 - i))) & ((1 << 128) - 1) for i in range(40)]
    assert batch == [str(uuid.UUID(int=chunk, version=4)) for chunk in chunks]


def test_sorted_by_name(breweries: list[dict]) -> None:
    names = [r["name"] for r in breweries]
    assert names == sorted(names, key=str.casefold)


def test_geography(breweries: list[dict]) -> None:
    countries = Counter(r["country"] for r in breweries)
    pairs = {(r["country"], r["state_province"]) for r in breweries}
    assert len(countries) >= 20
    assert len(pairs) >= 200
    assert 0.64 <= countries["United States"] / len(breweries) <= 0.74
    assert 0.09 <= countries["Germany"] / len(breweries) <= 0.15
    us_states = {state for country, state in pairs if country == "United States"}
    assert len(us_states) >= 50 and "District of Columbia" in us_states
    assert {"Baden-Württemberg", "Thüringen", "Bayern"} <= {s for c, s in pairs if c == "Germany"}
    assert {"VIC", "NSW", "QLD", "SA", "WA", "TAS"} <= {s for c, s in pairs if c == "Australia"}
    assert ("Poland", "dolnośląskie") in pairs and ("Finland", "Päijät-Häme") in pairs
    assert ("Portugal", "Santarém") in pairs
    assert any(c == "New Zealand" and s.endswith(" Region") for c, s in pairs)
    assert {"England", "Scotland", "Ireland", "South Korea", "Belgium", "Canada"} <= set(countries)


def test_type_shares_like_the_real_data(breweries: list[dict]) -> None:
    types = Counter(r["brewery_type"] for r in breweries)
    assert set(types) <= set(BREWERY_TYPES)
    for brewery_type, real_share in REAL_TYPE_SHARES.items():
        share = 100 * types[brewery_type] / len(breweries)
        tolerance = 3.0 if real_share > 10 else 1.0
        assert abs(share - real_share) <= tolerance, (brewery_type, share)


def test_null_rates(breweries: list[dict]) -> None:
    n = len(breweries)

    def null_share(key: str) -> float:
        return sum(r[key] is None for r in breweries) / n

    assert all((r["latitude"] is None) == (r["longitude"] is None) for r in breweries)
    assert 0.17 <= null_share("latitude") <= 0.24
    assert 0.08 <= null_share("phone") <= 0.14
    assert 0.08 <= null_share("website_url") <= 0.14
    assert 0.95 <= null_share("address_2") <= 0.99
    assert 0.99 <= null_share("address_3") < 1.0
    assert 0.03 <= null_share("address_1") <= 0.09
    for key in ("id", "name", "brewery_type", "city", "state_province", "country", "postal_code"):
        assert null_share(key) == 0, key


def test_coordinates_are_plausible(breweries: list[dict]) -> None:
    located = [r for r in breweries if r["latitude"] is not None]
    assert all(type(r["latitude"]) is float and type(r["longitude"]) is float for r in located)
    # Inside the boxes silver checks positions against (otherwise silver would null them as outside_country).
    for record in located:
        assert inside(COUNTRY_BOXES[record["country"]], record["longitude"], record["latitude"]), record
    # A few binary-float artefacts such as 51.17625779999999, like the real data (about 6%).
    artefacts = sum(len(repr(r["latitude"]).split(".")[1]) >= 13 for r in located)
    assert 0.02 <= artefacts / len(located) <= 0.12


def test_postal_codes_follow_country_formats(breweries: list[dict]) -> None:
    formats = {
        "United States": r"\d{5}(-\d{4}|-)?", "Germany": r"\d{5}", "Australia": r"\d{4}",
        "Canada": r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "Netherlands": r"\d{4} [A-Z]{2}", "Portugal": r"\d{4}-\d{3}",
        "Poland": r"\d{2}-\d{3}", "Ireland": r"[A-Z]\d{2} [A-Z0-9]{4}",
        "England": r"[A-Z]{2}\d{1,2} \d[A-Z]{2}",
    }
    for record in breweries:
        pattern = formats.get(record["country"])
        if pattern:
            assert re.fullmatch(pattern, record["postal_code"]), record


def test_text_realism(breweries: list[dict]) -> None:
    names = [r["name"] for r in breweries]
    non_ascii = sum(any(ord(ch) > 127 for ch in name) for name in names)
    assert 0.02 <= non_ascii / len(names) <= 0.15
    assert any("’" in name for name in names)  # the curly apostrophe of the real data
    assert any("\uac00" <= ch <= "\ud7a3" for name in names for ch in name)  # Hangul names
    us_phones = [r["phone"] for r in breweries if r["country"] == "United States" and r["phone"]]
    assert all(re.fullmatch(r"\d{10}", phone) for phone in us_phones)
    urls = [r["website_url"] for r in breweries if r["website_url"]]
    assert all(re.fullmatch(r"https?://[a-z0-9.]+", url) for url in urls)


def test_fast_enough_for_benchmarks() -> None:
    started = time.perf_counter()
    count = sum(1 for _ in iter_breweries(100_000, seed=3))
    assert count == 100_000
    assert time.perf_counter() - started < 10  # about 0.5 s here; 2M rows take seconds, not minutes


def test_generated_coordinates_lie_in_their_countrys_boxes_at_benchmark_sizes():
    positions = [(r["country"], float(r["longitude"]), float(r["latitude"])) for r in iter_breweries(300_000)
                 if r["longitude"] is not None and r["latitude"] is not None]
    assert {country for country, _, _ in positions} <= set(COUNTRY_BOXES)
    outside = [p for p in positions if not inside(COUNTRY_BOXES[p[0]], p[1], p[2])]
    assert outside == []
