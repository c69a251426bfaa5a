"""A deterministic, self-contained synthetic Open Brewery DB dataset in the API's record shape.

The regions, their row weights and centres, the per-country type mix, null rates and value formats follow
the 2026-08-02 dataset profile (shared/data/openbrewerydb/PROFILE.md); nothing is read at runtime.
Output depends only on `count` and `seed` (not on PYTHONHASHSEED), and rows come sorted by name.
"""

import math
import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

from brewery_assets.replay.regions import COUNTRIES, REGION_SMOOTHING, REGIONS
from brewery_assets.replay.vocabulary import (
    ADDRESS_2,
    ADDRESS_3,
    EN_FIRST,
    EN_FIRST_WEIGHTS,
    EN_NO_SECOND,
    EN_SECOND,
    EN_SUFFIX,
    KO_RESTS,
    KO_WORDS,
    NAME_STYLES,
    STREET_STYLES,
    US_TOWN_SHARE,
    US_TOWNS,
)

DEFAULT_COUNT = 12_000
DEFAULT_SEED = 20260802

# Precision of coordinates: 64 slots of decimal digits (0 = a float artefact such as 51.17625779999999),
# about the real shares of 4, 5, 6, 7 and 8 decimals and 14-16-digit artefacts.
_COORD_DIGITS = [4] * 2 + [5] * 2 + [6] * 10 + [7] * 28 + [8] * 18 + [0] * 4
_SCALES = {d: float(10**d) for d in range(4, 9)}
_TABLE_BITS = 14  # region and type tables have 2**14 slots: fine enough for a 1-in-12,000 region
_POOL_BITS = {"United States": 14}  # per-country pools of addresses, postal codes and phone numbers
_DEFAULT_POOL_BITS = 10
_CITY_BITS = 6
# Where the 32 hex digits of a UUID go in its 36-character text, and the RFC 4122 variant digit (8-b).
_UUID_LAYOUT = [(d + (d > 7) + (d > 11) + (d > 15) + (d > 19), d) for d in range(32)]
_UUID_VARIANT = bytes.maketrans(b"0123456789abcdef", b"89ab89ab89ab89ab")


def generate_breweries(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Return `count` synthetic breweries in the API shape (16 keys in order), sorted by name.

    The same `count` and `seed` always give the same records; ids are UUID v4 text drawn from
    `random.Random(seed)`.
    """
    records: list[dict[str, Any]] = []
    for group in _groups(count, seed):
        records += group
    return records


def iter_breweries(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> Iterator[dict[str, Any]]:
    """Yield the records of `generate_breweries(count, seed)` one at a time, in the same order.

    Names are "<first word> <rest>"; rows are made one first word at a time, in name order, so memory
    stays bounded by the largest such group (a few percent of `count`).
    """
    for group in _groups(count, seed):
        yield from group


def _groups(count: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    """The rows in name order, as one list per first word of the name."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng = random.Random(seed)
    # How many names start with each first word: one draw per row, counted in chunks.
    counts: Counter[int] = Counter()
    remaining = count
    while remaining:
        k = min(remaining, 1 << 16)
        counts.update(rng.choices(_TOKEN_IDS, cum_weights=_TOKEN_CUM, k=k))
        remaining -= k
    for token_id in _TOKEN_IDS:
        n = counts.get(token_id)
        if n:
            yield _group(rng, token_id, n)


def uuid4_batch(rng: random.Random, n: int) -> list[str]:
    """`n` UUID v4 strings, each `str(uuid.UUID(int=<128 random bits>, version=4))`, built in bulk."""
    if n <= 0:
        return []
    digits = f"{rng.getrandbits(128 * n):0{32 * n}x}".encode("ascii")
    # 37 bytes per id (36 characters and a newline), filled column by column with strided copies.
    text = bytearray(b"-" * (37 * n))
    for target, source in _UUID_LAYOUT:
        text[target::37] = digits[source::32]
    text[14::37] = b"4" * n
    text[19::37] = digits[16::32].translate(_UUID_VARIANT)
    text[36::37] = b"\n" * n
    return text[:-1].decode("ascii").split("\n")


def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits of `text`, for website host names."""
    text = text.replace("ß", "ss").replace("ł", "l").replace("Ł", "l").replace("œ", "oe")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(ch for ch in folded if ch.isalnum())


def _weights(spec: str) -> list[tuple[str, float]]:
    """Parse "name weight name weight ..." (names without spaces)."""
    parts = spec.split()
    return [(parts[i], float(parts[i + 1])) for i in range(0, len(parts), 2)]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _table(items: list[Any], weights: list[float], bits: int) -> list[Any]:
    """A lookup table of 2**bits slots, each item taking a share of slots proportional to its weight.

    Every item with a positive weight gets at least one slot; largest remainders fill the rest.
    """
    size, total = 1 << bits, sum(weights)
    exact = [w * size / total for w in weights]
    slots = [max(1, int(x)) if w > 0 else 0 for x, w in zip(exact, weights, strict=True)]
    by_remainder = sorted(range(len(items)), key=lambda i: (slots[i] - exact[i], i))
    i = 0
    while sum(slots) < size:
        slots[by_remainder[i % len(items)]] += 1
        i += 1
    while sum(slots) > size:  # only when many tiny items were rounded up to one slot
        biggest = max(range(len(items)), key=lambda j: (slots[j], -j))
        slots[biggest] -= 1
    return [item for item, n in zip(items, slots, strict=True) for _ in range(n)]


def _fill(pattern: str, rng: random.Random) -> str:
    """Replace "#" with a random digit and "A" with a random capital letter."""
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(letters) if ch == "A" else ch for ch in pattern
    )


def _by_casefold(rests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(rests, key=lambda rest: rest[0].casefold())


def _build_tokens() -> list[tuple[str, str, float, str, list[tuple[str, str]]]]:
    """(first word, its slug, weight, style, rests as (text, slug) sorted by casefold) for all styles."""
    suffixes = [s for s, w in EN_SUFFIX.items() for _ in range(w)]
    with_second = [(f"{w} {s}", _slug(w) + _slug(s.split()[0])) for w in EN_SECOND for s in suffixes]
    alone = [(s, _slug(s.split()[0])) for s in suffixes]
    # Repeat the one-word rests so that about EN_NO_SECOND of English names have no second word.
    repeat = round(EN_NO_SECOND * len(with_second) / ((1 - EN_NO_SECOND) * len(alone)))
    en_rests = _by_casefold(with_second + alone * repeat)
    en_weights = dict.fromkeys(EN_FIRST.split(), 1.0) | EN_FIRST_WEIGHTS
    # "The" alone before a suffix ("The Brewery") would repeat too often: it always takes a second word.
    the_rests = _by_casefold(with_second)
    tokens = [(t, _slug(t), w, "en", the_rests if t == "The" else en_rests) for t, w in en_weights.items()]
    for style, (words, rests) in NAME_STYLES.items():
        pairs = _by_casefold([(r, _slug(r)) for r in rests])
        tokens += [(t, _slug(t), w, style, pairs) for t, w in words.items()]
    for word, roman in KO_WORDS.items():
        rests = [(r.format(roman), "brewing" if "Brewing" in r else "brewery") for r in KO_RESTS]
        tokens.append((word, _slug(roman), 1.0, "ko", _by_casefold(rests)))
    folded = [t[0].casefold() for t in tokens]
    if len(set(folded)) != len(folded) or any(" " in f for f in folded):
        raise RuntimeError("name first words must be unique single words")  # a broken word list
    # Names sort by casefold. Every name is "<first word> <rest>", so ordering first words by
    # casefold(word + " ") and, within a word, rests by casefold orders all names.
    tokens.sort(key=lambda t: t[0].casefold() + " ")
    return tokens


_TOKENS = _build_tokens()


class _Country:
    """Per-country generation parameters, unpacked from COUNTRIES once at import."""

    __slots__ = (
        "name", "jitter", "no_coords", "no_phone", "no_website", "no_address_1", "address_2", "types",
        "postal", "phone", "tld", "streets", "styles",
    )

    def __init__(self, name: str, spec: tuple) -> None:
        (self.jitter, self.no_coords, self.no_phone, self.no_website, self.no_address_1, self.address_2,
         types, self.postal, self.phone, self.tld, street_style, styles) = spec
        self.name = name
        self.types = _weights(types)
        self.streets = STREET_STYLES[street_style]
        total = sum(w for _, w in _weights(styles))
        self.styles = {style: w / total for style, w in _weights(styles)}


_COUNTRY = {name: _Country(name, spec) for name, spec in COUNTRIES.items()}


def _region_weights() -> list[tuple[_Country, str, float, float, str, float]]:
    """(country, state, latitude, longitude, cities, weight) for every region."""
    return [
        (_COUNTRY[country], state, lat, lon, cities, rows + REGION_SMOOTHING)
        for country, entries in REGIONS.items()
        for state, rows, lat, lon, cities in entries
    ]


def _token_weights() -> tuple[list[int], list[float]]:
    """First-word ids and their cumulative weights: P(style) * P(word | style)."""
    style_mass: Counter[str] = Counter()
    for country, _state, _lat, _lon, _cities, weight in _region_weights():
        for style, share in country.styles.items():
            style_mass[style] += weight * share
    style_words: Counter[str] = Counter()
    for _t, _s, w, style, _r in _TOKENS:
        style_words[style] += w
    weights = [style_mass[style] * w / style_words[style] for _t, _s, w, style, _r in _TOKENS]
    return list(range(len(_TOKENS))), _cumulative(weights)


_TOKEN_IDS, _TOKEN_CUM = _token_weights()


@cache
def _pools(country_name: str) -> tuple[list[str], list[str], list[str], int]:
    """Address, postal-code and phone pools for a country (2**bits values each) and `bits`.

    Built once per process from a fixed seed; rows pick from them with the run's own generator.
    """
    country = _COUNTRY[country_name]
    rng = random.Random(f"brewery-pools:{country_name}")
    bits = _POOL_BITS.get(country_name, _DEFAULT_POOL_BITS)
    size = 1 << bits
    streets, number_first, sep, us_numbers, block_numbers = country.streets
    addresses = []
    for _ in range(size):
        if us_numbers:
            number = str(int(10 ** (rng.random() * 4.4)))
        elif block_numbers:
            number = f"{rng.randint(1, 9)}-{rng.randint(1, 30)}"
        else:
            number = str(1 + int(rng.random() ** 2 * 180))
        street = rng.choice(streets)
        addresses.append(f"{number}{sep}{street}" if number_first else f"{street}{sep}{number}")
    if country_name == "United States":
        # ZIP+4 most of the time, plain ZIP, and the odd dangling hyphen of the real data.
        postal = []
        for _ in range(size):
            zip5, kind = f"{rng.randint(1_000, 99_950):05d}", rng.random()
            plus4 = f"-{rng.randrange(10_000):04d}" if kind < 0.8 else "" if kind < 0.99 else "-"
            postal.append(zip5 + plus4)
        phones = [str(rng.randint(2_010_000_000, 9_899_999_999)) for _ in range(size)]
    else:
        postal_options, phone_options = country.postal.split("|"), country.phone.split("|")
        postal = [_fill(rng.choice(postal_options), rng) for _ in range(size)]
        phones = [_fill(rng.choice(phone_options), rng) for _ in range(size)]
    return addresses, postal, phones, bits


@cache
def _type_table(country_name: str) -> list[str]:
    types = _COUNTRY[country_name].types
    return _table([t for t, _ in types], [w for _, w in types], _TABLE_BITS)


@cache
def _style_table(style: str) -> list[tuple]:
    """2**_TABLE_BITS region slots for a name style, in proportion to P(region) * P(style | country)."""
    regions, weights = [], []
    for index, (country, state, lat, lon, cities, weight) in enumerate(_region_weights()):
        share = country.styles.get(style, 0.0)
        if share:
            regions.append(_region_entry(index, country, state, lat, lon, cities))
            weights.append(weight * share)
    return _table(regions, weights, _TABLE_BITS)


def _region_entry(index: int, country: _Country, state: str, lat: float, lon: float, cities: str) -> tuple:
    """Everything a row of one region needs, flattened into a tuple for fast unpacking."""
    names = cities.split("|")
    size = 1 << _CITY_BITS
    if country.name == "United States":
        # Every fifth row is in a common town name, the rest in the region's own cities.
        towns = round(size * US_TOWN_SHARE)
        city_table = [names[i % len(names)] for i in range(size - towns)]
        city_table += [US_TOWNS[(index + i) % len(US_TOWNS)] for i in range(towns)]
    else:
        city_table = [names[i % len(names)] for i in range(size)]
    addresses, postal, phones, bits = _pools(country.name)
    # Coordinates are uniform in a box around the region centre, wider in longitude away from the equator.
    lon_jitter = country.jitter / max(math.cos(math.radians(lat)), 0.3)
    return (
        country.name, state, city_table, _type_table(country.name), country.no_address_1, addresses, bits,
        country.address_2, postal, country.no_coords, lat - country.jitter, 2 * country.jitter,
        lon - lon_jitter, 2 * lon_jitter, country.no_phone, phones, country.no_website, country.tld,
    )


def _group(rng: random.Random, token_id: int, n: int) -> list[dict[str, Any]]:
    """`n` rows whose names start with first word `token_id`, in name order."""
    token, token_slug, _weight, style, rests = _TOKENS[token_id]
    table = _style_table(style)
    rnd, bits = rng.random, rng.getrandbits
    table_bits, city_bits, coord_digits, scales = _TABLE_BITS, _CITY_BITS, _COORD_DIGITS, _SCALES
    more_addresses, business_parks = ADDRESS_2, ADDRESS_3
    n_rests, n_a2, n_a3 = len(rests), len(ADDRESS_2), len(ADDRESS_3)
    # Rests are sorted, so drawing their positions and sorting those yields the rows in name order.
    picks = [int(rnd() * n_rests) for _ in range(n)]
    picks.sort()
    out = []
    append = out.append
    for pick, brewery_id in zip(picks, uuid4_batch(rng, n), strict=True):
        rest, rest_slug = rests[pick]
        (country, state, cities, types, no_address_1, addresses, pool_bits, address_2_share, postal,
         no_coords, lat_low, lat_span, lon_low, lon_span, no_phone, phones, no_website, tld) = table[
            bits(table_bits)
        ]
        address_1 = None if rnd() < no_address_1 else addresses[bits(pool_bits)]
        address_2 = address_3 = None
        r = rnd()
        if r < address_2_share:
            u = r / address_2_share  # a fresh uniform in [0, 1): saves a draw for a rare branch
            address_2 = cities[int(u * 64)] if u < 0.4 else more_addresses[int(u * 7919) % n_a2]
            if u * 1009 % 1 < 0.12:
                address_3 = business_parks[int(u * 7919) % n_a3]

        r = rnd()
        if r < no_coords:
            latitude = longitude = None
        else:
            digits = coord_digits[int((r - no_coords) / (1 - no_coords) * 64)]
            if digits:
                # An integer over a power of ten prints with at most `digits` decimals, and is cheaper
                # than round(x, digits).
                scale = scales[digits]
                latitude = round((lat_low + rnd() * lat_span) * scale) / scale
                longitude = round((lon_low + rnd() * lon_span) * scale) / scale
            else:
                latitude = round((lat_low + rnd() * lat_span) * 1e7) / 1e7 + 1e-14
                longitude = round((lon_low + rnd() * lon_span) * 1e7) / 1e7 - 1e-14

        r = rnd()
        if r < no_website:
            website_url = None
        else:
            u = (r - no_website) / (1 - no_website)
            scheme = "http://www." if u < 0.8 else "https://www." if u < 0.93 else "https://"
            website_url = f"{scheme}{token_slug}{rest_slug}{tld}"

        append({
            "id": brewery_id,
            "name": f"{token} {rest}",
            "brewery_type": types[bits(table_bits)],
            "address_1": address_1,
            "address_2": address_2,
            "address_3": address_3,
            "city": cities[bits(city_bits)],
            "state_province": state,
            "postal_code": postal[bits(pool_bits)],
            "country": country,
            "longitude": longitude,
            "latitude": latitude,
            "phone": None if rnd() < no_phone else phones[bits(pool_bits)],
            "website_url": website_url,
            "state": state,
            "street": address_1,
        })
    return out
