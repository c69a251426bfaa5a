"""Read and write dump files of the catalogue: the official dataset CSV, a JSON array, or JSON lines.

Every loaded record has the API shape: exactly the 16 BREWERY_FIELDS keys in API order, coordinates as
floats (or None) and every other value a str or None. `load_dump` refuses a file with anything else;
`read_dump` keeps what it can read as it is and reports the lines it cannot (`BadLine`).
"""

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS, CSV_FIELDS

DumpFormat = Literal["csv", "json", "jsonl"]

_COORDINATES = ("longitude", "latitude")
# Fields the upstream schema requires; a record without an id cannot be served by id.
_REQUIRED = ("id",)
_JSON_DECODER = json.JSONDecoder()
_CSV_CHUNK = 10_000
# What `surrogateescape` decoding makes of bytes that are not UTF-8.
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class BadLine:
    """A line (or CSV row) of a dump that holds no readable value: where it is, its text, and why."""

    line: int
    text: str
    reason: str


def load_dump(path: str | Path) -> list[dict[str, Any]]:
    """Load a snapshot file as API-shaped records, keeping the file's row order.

    The format is detected from the content: a leading `[` is a JSON array, a leading `{` is JSON lines,
    anything else must be the official CSV (a header row holding every CSV_FIELDS column; an empty cell
    is null). Raises ValueError naming the file and line when the input cannot be read.
    """
    path = Path(path)
    text = _decoded(path, strict=True)
    return list(_READERS[_format_of(text, path)](text, path, strict=True))


def read_dump(path: str | Path) -> tuple[DumpFormat, list[Any]]:
    """The format of a dump file and its elements in file order, keeping everything that can be kept.

    Like `load_dump`, but a record keeps a value it cannot normalise (a coordinate that is not a
    number, an object where text belongs, a missing id) as it is, a JSON element that is not an object
    stays as it is, and a line that cannot be read at all (broken JSON, a CSV row of the wrong width,
    bytes that are not UTF-8) becomes a `BadLine` in its place. Only a file that cannot be read as a
    whole (empty, a CSV without the brewery columns, a JSON array whose syntax breaks, after which no
    element can be told from the next) raises ValueError naming the file and line.
    """
    path = Path(path)
    text = _decoded(path, strict=False)
    fmt = _format_of(text, path)
    return fmt, list(_READERS[fmt](text, path, strict=False))


def _decoded(path: Path, strict: bool) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if strict:
            raise ValueError(f"{path}: not UTF-8 text ({exc})") from exc
    # Undecodable bytes are carried as surrogates, so only the lines holding them are bad.
    return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")


def _format_of(text: str, path: Path) -> DumpFormat:
    stripped = text.lstrip()
    if not stripped:
        raise ValueError(f"{path}: empty snapshot file")
    return {"[": "json", "{": "jsonl"}.get(stripped[0], "csv")  # type: ignore[return-value]


def normalise_record(raw: Mapping[str, Any], where: str = "record", strict: bool = True) -> dict[str, Any]:
    """Return `raw` in the API shape (16 keys in order); `where` prefixes error messages.

    `state` defaults to `state_province` and `street` to `address_1` when the key is absent. Empty strings
    become None, numbers in text fields become strings, and coordinates become floats. A value that
    cannot be normalised, or a missing id, raises ValueError; with `strict=False` it is kept as it is.
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
        try:
            record[key] = _coordinate(value, key, where) if key in _COORDINATES else _text(value, key, where)
        except ValueError:
            if strict:
                raise
            record[key] = value
    for key in _REQUIRED:
        if record[key] is None and strict:
            raise ValueError(f"{where}: missing required field {key!r}")
    return record


def write_dump(
    records: Iterable[Mapping[str, Any]], path: str | Path, fmt: DumpFormat
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


def _read_csv(text: str, path: Path, strict: bool) -> Iterator[Any]:
    lines = _LineTracker(io.StringIO(text, newline=""))
    reader = csv.reader(lines, strict=True)
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
        first_line = reader.line_num + 1
        lines.consumed.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = f"unreadable CSV row ({exc})"
        else:
            if not row:  # tolerate blank lines, e.g. a trailing newline
                continue
            if len(row) == width and not _undecodable("".join(row)):
                yield normalise_record(dict(zip(header, row, strict=True)), f"{path}:{reader.line_num}", strict)
                continue
            reason = (f"expected {width} CSV fields, found {len(row)}" if len(row) != width
                      else "bytes that are not UTF-8")
        if strict:
            raise ValueError(f"{path}:{reader.line_num}: {reason}")
        yield BadLine(first_line, _bad_text("".join(lines.consumed).rstrip("\r\n")), reason)


class _LineTracker:
    """Hands lines to `csv.reader` and keeps those of the row being read, so a bad row can be kept as written."""

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)
        self.consumed: list[str] = []

    def __iter__(self) -> "_LineTracker":
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.consumed.append(line)
        return line


def _read_json_lines(text: str, path: Path, strict: bool) -> Iterator[Any]:
    # Lines end at \n only: a JSON string may hold U+2028 and other characters `splitlines` breaks at.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        reason = "bytes that are not UTF-8" if _undecodable(line) else None
        if reason is None:
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                reason = f"invalid JSON line ({exc.msg}, column {exc.colno})"
            else:
                yield _element(value, f"{path}:{number}", strict)
                continue
        if strict:
            raise ValueError(f"{path}:{number}: {reason}")
        yield BadLine(number, _bad_text(line), reason)


def _read_json_array(text: str, path: Path, strict: bool) -> Iterator[Any]:
    # Decode element by element so an error can name the line of the offending record.
    if _undecodable(text):
        raise ValueError(f"{path}:{text.count(chr(10), 0, _first_undecodable(text)) + 1}: bytes that are not UTF-8")
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
        yield _element(value, f"{path}:{line}", strict)
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


_READERS = {"csv": _read_csv, "jsonl": _read_json_lines, "json": _read_json_array}


def _element(value: Any, where: str, strict: bool) -> Any:
    """A JSON element of a dump: an object in the API shape; anything else refused, or kept as it is."""
    if isinstance(value, dict):
        return normalise_record(value, where, strict)
    if strict:
        raise ValueError(f"{where}: expected a brewery object, got JSON {type(value).__name__}")
    return value


def _undecodable(text: str) -> bool:
    return _first_undecodable(text) >= 0


def _first_undecodable(text: str) -> int:
    found = _SURROGATE.search(text)
    return found.start() if found else -1


def _bad_text(text: str) -> str:
    """A bad line's text, with undecodable bytes written as `\\xNN` so that it is valid Unicode."""
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")


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
