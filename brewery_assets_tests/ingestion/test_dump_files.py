"""load_dump / write_dump: the official CSV, JSON and JSON lines, round trips and errors."""

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from brewery_assets.ingestion.dump_files import format_coordinate, normalise_record
from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS, CSV_FIELDS
from brewery_assets.replay import generate_breweries, load_dump, write_dump

REAL_TYPES = {
    "micro": 5840, "brewpub": 3931, "planning": 640, "closed": 637, "regional": 239, "contract": 210,
    "large": 137, "proprietor": 67, "taproom": 47, "bar": 41, "nano": 22, "cidery": 7, "beergarden": 3,
    "location": 1,
}


def test_official_csv_loads_in_api_shape(official_records: list[dict]) -> None:
    records = official_records
    assert len(records) == 11_822
    assert all(tuple(r) == BREWERY_FIELDS for r in records)
    assert Counter(r["brewery_type"] for r in records) == REAL_TYPES
    assert len({(r["country"], r["state_province"]) for r in records}) == 213
    assert len({r["country"] for r in records}) == 23
    assert len({r["id"] for r in records}) == 11_822


def test_official_csv_value_types(official_records: list[dict]) -> None:
    with_coordinates = [r for r in official_records if r["latitude"] is not None]
    assert len(with_coordinates) == 11_822 - 2_435
    assert all(type(r["latitude"]) is float and type(r["longitude"]) is float for r in with_coordinates)
    assert all((r["latitude"] is None) == (r["longitude"] is None) for r in official_records)
    for record in official_records:
        for key in BREWERY_FIELDS:
            if key not in ("latitude", "longitude"):
                assert record[key] is None or (isinstance(record[key], str) and record[key] != "")
        assert record["state"] == record["state_province"]
        assert record["street"] == record["address_1"]
    assert sum(r["postal_code"] is None for r in official_records) == 2
    assert sum(r["address_2"] is None for r in official_records) == 11_503
    first = official_records[0]
    assert first["id"] == "ae7b3174-8be8-4d53-a3a5-9b8240970eea"
    assert (first["name"], first["longitude"], first["latitude"]) == ("'s", 11.327765, 50.241246)


def test_official_csv_keeps_row_order(official_csv: Path, official_records: list[dict]) -> None:
    with official_csv.open(encoding="utf-8", newline="") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    assert [r["id"] for r in official_records] == ids


def test_official_csv_written_back_byte_for_byte(
    official_csv: Path, official_records: list[dict], tmp_path: Path
) -> None:
    written = write_dump(official_records, tmp_path / "breweries.csv", "csv")
    assert written.read_bytes() == official_csv.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_official_round_trip(official_records: list[dict], tmp_path: Path, fmt: str) -> None:
    path = write_dump(official_records, tmp_path / f"breweries.{fmt}", fmt)
    assert load_dump(path) == official_records


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_generated_round_trip(tmp_path: Path, fmt: str) -> None:
    records = generate_breweries(3_000, seed=11)
    path = write_dump(records, tmp_path / f"generated.{fmt}", fmt)
    loaded = load_dump(path)
    assert loaded == records
    assert [json.dumps(r) for r in loaded] == [json.dumps(r) for r in records]  # float text and key order too


def test_csv_format_details(tmp_path: Path) -> None:
    records = generate_breweries(50, seed=3)
    data = write_dump(records, tmp_path / "x.csv", "csv").read_bytes()
    lines = data.split(b"\r\n")
    assert lines[0].decode() == ",".join(CSV_FIELDS)
    assert len(lines) == 51 and not data.endswith(b"\n")


def test_format_is_detected_from_content(tmp_path: Path) -> None:
    records = generate_breweries(20, seed=5)
    json_named_csv = tmp_path / "looks_like.csv"
    json_named_csv.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    jsonl_named_json = tmp_path / "looks_like.json"
    jsonl_named_json.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    csv_named_txt = write_dump(records, tmp_path / "data.txt", "csv")
    for path in (json_named_csv, jsonl_named_json, csv_named_txt):
        assert load_dump(path) == records


def test_json_values_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    raw = {
        "id": "5128df48-79fc-4f0f-8b52-d06be54d0cec", "name": "(405) Brewing Co", "brewery_type": "micro",
        "address_1": "1716 Topeka St", "address_2": "", "city": "Norman", "state_province": "Oklahoma",
        "postal_code": 73069, "country": "United States", "longitude": "-97.46818222",
        "latitude": 35.25738891, "phone": "4058160490", "website_url": None, "extra": "ignored",
    }
    path.write_text("  \n" + json.dumps([raw]), encoding="utf-8")
    (record,) = load_dump(path)
    assert tuple(record) == BREWERY_FIELDS
    assert record["longitude"] == -97.46818222 and record["latitude"] == 35.25738891
    assert record["postal_code"] == "73069"
    assert record["address_2"] is None and record["address_3"] is None and record["website_url"] is None
    assert (record["state"], record["street"]) == ("Oklahoma", "1716 Topeka St")


def test_explicit_state_and_street_are_kept() -> None:
    record = normalise_record({"id": "x", "state_province": "Oregon", "state": None, "street": "1 Main St"})
    assert record["state"] is None and record["street"] == "1 Main St"


def test_empty_csv_cells_are_none(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    row = ["id-1", "Name", "micro", "", "", "", "City", "State", "", "Country", "", "", "", ""]
    path.write_text(",".join(CSV_FIELDS) + "\r\n" + ",".join(row), encoding="utf-8")
    (record,) = load_dump(path)
    assert record["address_1"] is None and record["postal_code"] is None and record["latitude"] is None
    assert record["street"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty snapshot file"),
        ("id,name\r\nx,y", ":1: not a brewery snapshot"),
        (",".join(CSV_FIELDS) + "\r\n" + ",".join("a" * 12 + "12") + "\r\nx,y", ":3: expected 14 CSV"),
        ('{"id": "a"}\n{"id": "b"}\n{"id": oops}\n', ":3: invalid JSON line"),
        ('{"id": "a"}\n[1, 2]\n', ":2: expected a brewery object"),
        ('[\n {"id": "a"},\n "text"\n]', ":3: expected a brewery object"),
        ('[\n {"id": "a"},\n {"id": "b"}', "JSON array is not closed"),
        ('[\n {"id": "a"}\n {"id": "b"}]', ":3: expected ',' or ']'"),
        ('[{"id": "a", "latitude": "north"}]', ":1: field 'latitude' is not a number"),
        ('[{"name": "no id"}]', "missing required field 'id'"),
        ('[{"id": "a", "name": ["list"]}]', "field 'name' must be a string or null"),
    ],
)
def test_unreadable_input_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad_snapshot.dat"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="bad_snapshot.dat") as excinfo:
        load_dump(path)
    assert message in str(excinfo.value)


def test_non_utf8_input_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,name\r\n1,Bräu".encode("latin-1"))
    with pytest.raises(ValueError, match="latin1.csv: not UTF-8"):
        load_dump(path)


def test_unknown_write_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown snapshot format"):
        write_dump([], tmp_path / "x", "xml")  # type: ignore[arg-type]


def test_format_coordinate_like_javascript() -> None:
    assert format_coordinate(36.0) == "36"
    assert format_coordinate(-97.46818222) == "-97.46818222"
    assert format_coordinate(43.655522100000006) == "43.655522100000006"
    assert format_coordinate(0.00001) == "0.00001"
    assert format_coordinate(None) == ""
