"""Read and write brewery snapshots: the official dataset CSV, a JSON array, or JSON lines.

Every loaded record has the API shape: exactly the 16 BREWERY_FIELDS keys in API order, coordinates as
floats (or None) and every other value a str or None.
"""

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS, CSV_FIELDS

SnapshotFormat = Literal["csv", "json", "jsonl"]

_COORDINATES = ("longitude", "latitude")
# Fields the upstream schema requires; a record without an id cannot be served by id.
_REQUIRED = ("id",)
_JSON_DECODER = json.JSONDecoder()
_CSV_CHUNK = 10_000


def load_snapshot(path: str | Path) -> list[dict[str, Any]]:
    """Load a snapshot file as API-shaped records, keeping the file's row order.

    The format is detected from the content: a leading `[` is a JSON array, a leading `{` is JSON lines,
    anything else must be the official CSV (a header row holding every CSV_FIELDS column; an empty cell
    is null). Raises ValueError naming the file and line when the input cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc})") from exc
    stripped = text.lstrip()
    if not stripped:
        raise ValueError(f"{path}: empty snapshot file")
    if stripped[0] == "[":
        return list(_read_json_array(text, path))
    if stripped[0] == "{":
        return list(_read_json_lines(text, path))
    return list(_read_csv(text, path))


def normalise_record(raw: Mapping[str, Any], where: str = "record") -> dict[str, Any]:
    """Return `raw` in the API shape (16 keys in order); `where` prefixes error messages.

    `state` defaults to `state_province` and `street` to `address_1` when the key is absent. Empty strings
    become None, numbers in text fields become strings, and coordinates become floats.
    """
    record: dict[str, Any] = {}
    for key in BREWERY_FIELDS:
        if key in raw:
            value = raw[key]
        elif key == "state":
            value = raw.get("state_province")
        elif key == "street":
            value = raw.get("address_1")
        else:
            value = None
        record[key] = _coordinate(value, key, where) if key in _COORDINATES else _text(value, key, where)
    for key in _REQUIRED:
        if record[key] is None:
            raise ValueError(f"{where}: missing required field {key!r}")
    return record


def write_snapshot(
    records: Iterable[Mapping[str, Any]], path: str | Path, fmt: SnapshotFormat
) -> Path:
    """Write records as "csv" (official format), "json" (an array, one record a line) or "jsonl".

    The CSV has the CSV_FIELDS header, CRLF line ends, no final newline and empty cells for None, like the
    dataset's breweries.csv; `state` and `street` are not written there because loading derives them.
    """
    path = Path(path)
    if fmt == "csv":
        _write_csv(records, path)
    elif fmt in ("json", "jsonl"):
        lines = (json.dumps(normalise_record(r), ensure_ascii=False) for r in records)
        with path.open("w", encoding="utf-8", newline="\n") as out:
            if fmt == "jsonl":
                for line in lines:
                    out.write(line + "\n")
            else:
                out.write("[")
                for i, line in enumerate(lines):
                    out.write(("\n" if i == 0 else ",\n") + line)
                out.write("\n]\n")
    else:
        raise ValueError(f"unknown snapshot format {fmt!r}; expected 'csv', 'json' or 'jsonl'")
    return path


def format_coordinate(value: float | None) -> str:
    """A coordinate as CSV text, written like a JavaScript number: `36` not `36.0`, and no exponent."""
    if value is None:
        return ""
    text = repr(float(value))
    if "e" in text:
        text = f"{value:.17f}".rstrip("0").rstrip(".")
    elif text.endswith(".0"):
        text = text[:-2]
    return text


def _text(value: Any, key: str, where: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    # bool is an int subclass, but True is no postal code.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{where}: field {key!r} must be a string or null, got {type(value).__name__}")


def _coordinate(value: Any, key: str, where: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{where}: field {key!r} must be a number or null, got {type(value).__name__}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{where}: field {key!r} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: field {key!r} is not a finite number: {value!r}")
    return number


def _read_csv(text: str, path: Path) -> Iterator[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ValueError(f"{path}:{reader.line_num}: unreadable CSV header ({exc})") from exc
    missing = [name for name in CSV_FIELDS if name not in header]
    if missing:
        raise ValueError(
            f"{path}:1: not a brewery snapshot: the CSV header lacks {', '.join(missing)} "
            f"(expected JSON or a CSV with columns {', '.join(CSV_FIELDS)})"
        )
    width = len(header)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValueError(f"{path}:{reader.line_num}: unreadable CSV row ({exc})") from exc
        if not row:  # tolerate blank lines, e.g. a trailing newline
            continue
        if len(row) != width:
            raise ValueError(f"{path}:{reader.line_num}: expected {width} CSV fields, found {len(row)}")
        yield normalise_record(dict(zip(header, row, strict=True)), f"{path}:{reader.line_num}")


def _read_json_lines(text: str, path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: invalid JSON line ({exc.msg}, column {exc.colno})") from exc
        yield _object(value, f"{path}:{number}")


def _read_json_array(text: str, path: Path) -> Iterator[dict[str, Any]]:
    # Decode element by element so an error can name the line of the offending record.
    pos = _skip_space(text, 0) + 1  # past "["
    line, counted = 1, 0
    pos = _skip_space(text, pos)
    if pos < len(text) and text[pos] == "]":
        _expect_end(text, pos + 1, path)
        return
    while True:
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, pos = _JSON_DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg}, column {exc.colno})") from exc
        yield _object(value, f"{path}:{line}")
        pos = _skip_space(text, pos)
        if pos >= len(text):
            raise ValueError(f"{path}:{text.count(chr(10)) + 1}: JSON array is not closed")
        if text[pos] == "]":
            _expect_end(text, pos + 1, path)
            return
        if text[pos] != ",":
            at = text.count("\n", 0, pos) + 1
            raise ValueError(f"{path}:{at}: expected ',' or ']' in the JSON array, found {text[pos]!r}")
        pos = _skip_space(text, pos + 1)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a brewery object, got JSON {type(value).__name__}")
    return normalise_record(value, where)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _expect_end(text: str, pos: int, path: Path) -> None:
    pos = _skip_space(text, pos)
    if pos < len(text):
        at = text.count("\n", 0, pos) + 1
        raise ValueError(f"{path}:{at}: unexpected data after the JSON array")


def _write_csv(records: Iterable[Mapping[str, Any]], path: Path) -> None:
    # The official file has no final newline, so every row after the header starts with CRLF instead.
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(_csv_lines([list(CSV_FIELDS)]))
        chunk: list[list[str]] = []
        for raw in records:
            record = normalise_record(raw)
            chunk.append(
                [
                    format_coordinate(record[k]) if k in _COORDINATES else (record[k] or "")
                    for k in CSV_FIELDS
                ]
            )
            if len(chunk) >= _CSV_CHUNK:
                out.write("\r\n" + _csv_lines(chunk))
                chunk.clear()
        if chunk:
            out.write("\r\n" + _csv_lines(chunk))


def _csv_lines(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()[:-2]
