"""An offline HTTP server that answers like the Open Brewery DB v1 API (openbrewerydb-laravel-api v1.2.1)
from a list of records.

Implemented: `GET /v1/breweries` (page, per_page, sort and the filters, validated with Laravel's 422
messages, see `replay.query`; `[]` past the end), `GET /v1/breweries/meta` (same filters) and
`GET /v1/breweries/{id}`. Random, search and autocomplete are not implemented (404).

Like the live API:
- records are served in insertion order (the order given, then `insert_records`): the live list has
  no `ORDER BY` unless `sort` is given, and its rows come in the order they were stored;
- bodies are encoded as PHP's `json_encode` does: `/` escaped as `\\/`, non-ASCII as `\\uXXXX`, and a
  whole-number coordinate as a JSON integer (`36`, not `36.0`);
- records are served as stored: an element that is not an object, or a value of an unexpected type
  (a state that is an object), is served as it is.

Fault injection seam: `ReplayServer.before_response` (None by default) is called with every parsed request
and the response about to be sent, and returns the response to send instead. Faults (errors, delays,
truncated bodies, rate limits) can be added there without touching the routing; `inject_faults` installs
the ready-made ones of `brewery_assets.replay.faults` (also `--faults` on the command line), among them
the live API's rate limit with its `X-RateLimit-*` headers.
"""

import argparse
import json
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from brewery_assets.ingestion.dump_files import load_dump
from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS
from brewery_assets.replay.encoding import php_json
from brewery_assets.replay.exchange import Request, Response
from brewery_assets.replay.faults import FAULTS_ENV, FaultPlan
from brewery_assets.replay.generator import DEFAULT_COUNT, DEFAULT_SEED, generate_breweries
from brewery_assets.replay.query import Query, parse_query

if TYPE_CHECKING:
    from brewery_assets.replay.faults import FaultInjector

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LIST_CACHE_CONTROL = "public, max-age=300"
ITEM_CACHE_CONTROL = "public, max-age=86400"  # the API caches single breweries longer than lists

# Fixed paths that the real API routes before `{id}`; the replay server does not implement them.
_UNSUPPORTED = frozenset({"random", "search", "autocomplete"})


BeforeResponse = Callable[[Request, Response], Response]


class ReplayServer:
    """Serve `records` like the Open Brewery DB v1 API on `host:port` (port 0 picks a free port).

    Records are served in insertion order, as the live API serves them. Use as a context manager, or call
    `start()` and `stop()`.
    """

    def __init__(
        self,
        records: Iterable[Mapping[str, Any]],
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        verbose: bool = False,
        before_response: BeforeResponse | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        # The fault-injection seam: see the module docstring. None serves every response unchanged.
        self.before_response = before_response
        self._lock = threading.Lock()
        self._rows: list[_Row] = [_row(record) for record in records]
        self._index()
        self._request_count = 0
        self._connection_count = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _index(self) -> None:
        """Rebuilds the id lookup and the meta counts from `_rows`; the caller holds the lock or owns the server."""
        self._by_id: dict[str, bytes] = {}
        for row in self._rows:
            if row.id is not None:
                self._by_id.setdefault(row.id, row.encoded)
        self._counts = _counts(self._rows)

    @property
    def record_count(self) -> int:
        """How many records the server holds."""
        with self._lock:
            return len(self._rows)

    def ids(self) -> list[str | None]:
        """The ids of the records served now, in serving order (None for an element that is not an object)."""
        with self._lock:
            return [row.id for row in self._rows]

    def insert_records(self, position: int, records: Iterable[Mapping[str, Any]]) -> None:
        """Inserts records before `position`, as a write to the live catalogue would (shifting later pages)."""
        new_rows = [_row(record) for record in records]
        with self._lock:
            self._rows[position:position] = new_rows
            self._index()

    def delete_records(self, position: int, count: int) -> list[str]:
        """Deletes `count` records from `position` on; returns their ids."""
        with self._lock:
            removed = self._rows[position : position + count]
            del self._rows[position : position + count]
            self._index()
        return [row.id for row in removed]

    @property
    def connection_count(self) -> int:
        """How many TCP connections clients have opened so far (a reusing client opens few)."""
        with self._lock:
            return self._connection_count

    def inject_faults(self, plan: FaultPlan | None) -> "FaultInjector | None":
        """Serves the faults of `plan` from now on (None: no faults); returns the injector and its counters."""
        from brewery_assets.replay.faults import FaultInjector

        injector = None if plan is None else FaultInjector(plan, self)
        self.before_response = injector
        return injector

    @property
    def request_count(self) -> int:
        """How many requests the server has received so far (thread-safe)."""
        with self._lock:
            return self._request_count

    @property
    def url(self) -> str:
        """The base URL including `/v1`, e.g. `http://127.0.0.1:54321/v1`; the server must be started."""
        if self._httpd is None:
            raise RuntimeError("the replay server is not started")
        host, port = self._httpd.server_address[:2]
        if ":" in str(host):  # an IPv6 literal needs brackets in a URL
            host = f"[{host}]"
        return f"http://{host}:{port}/v1"

    def start(self) -> "ReplayServer":
        """Bind and serve in a background daemon thread; returns self."""
        if self._httpd is not None:
            raise RuntimeError("the replay server is already started")
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="replay-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _next_request_number(self) -> int:
        with self._lock:
            self._request_count += 1
            return self._request_count

    def _connection_opened(self) -> None:
        with self._lock:
            self._connection_count += 1

    def handle(self, request: Request) -> Response:
        """Route one request to its response (without the `before_response` hook)."""
        if request.method not in ("GET", "HEAD"):
            message = (
                f"The {request.method} method is not supported for route {request.path.lstrip('/')}. "
                "Supported methods: GET, HEAD."
            )
            return _json_response(405, {"message": message})
        path = request.path.rstrip("/") or "/"
        if path == "/":
            return _json_response(200, {"message": "Welcome to the Open Brewery DB API (offline replay)."})
        if path == "/v1/breweries":
            return self._list(request.query)
        if path == "/v1/breweries/meta":
            return self._meta(request.query)
        prefix, brewery_id = "/v1/breweries/", path.rpartition("/")[2]
        if path == prefix + brewery_id and brewery_id not in _UNSUPPORTED:
            with self._lock:
                body = self._by_id.get(brewery_id)
            if body is None:
                message = f"No query results for model [App\\Models\\Brewery] {brewery_id}"
                return _json_response(404, {"message": message})
            return Response(200, body, {"Cache-Control": ITEM_CACHE_CONTROL})
        return _json_response(404, {"message": f"The route {path.lstrip('/')} could not be found."})

    def _list(self, query: dict[str, str]) -> Response:
        parsed = _parsed(query)
        if isinstance(parsed, Response):
            return parsed
        start = (parsed.page - 1) * parsed.per_page
        rows = self._selected(parsed)[start : start + parsed.per_page]
        body = b"[" + b",".join(row.encoded for row in rows) + b"]"
        return Response(200, body, {"Cache-Control": LIST_CACHE_CONTROL})

    def _meta(self, query: dict[str, str]) -> Response:
        parsed = _parsed(query)
        if isinstance(parsed, Response):
            return parsed
        if parsed.filters or parsed.nearest:
            rows = self._selected(parsed)
            counts = {"total": len(rows), **_counts(rows)}
        else:
            with self._lock:
                counts = {"total": len(self._rows), **self._counts}
        return _json_response(200, {**counts, "page": parsed.page, "per_page": parsed.per_page},
                              {"Cache-Control": LIST_CACHE_CONTROL})

    def _selected(self, query: Query) -> list["_Row"]:
        """The rows a query selects, in its order (every row in insertion order without filters or sorts)."""
        with self._lock:
            rows = list(self._rows)
        if not query.selects:
            return rows
        return [rows[i] for i in query.apply([row.record for row in rows])]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], handler: type, replay: ReplayServer) -> None:
        self.replay = replay
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so a requests.Session reuses its connection
    server_version = "BreweryReplay/1.0"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.replay._connection_opened()

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        self._serve()

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _serve(self, send_body: bool = True) -> None:
        replay = self.server.replay
        number = replay._next_request_number()
        self._discard_body()
        url = urlsplit(self.path)
        # PHP keeps the last of repeated parameters; a blank one is kept (and refused as missing).
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        request = Request(self.command, unquote(url.path), query, number, dict(self.headers.items()),
                          self.client_address[0])
        try:
            response = replay.handle(request)
            if replay.before_response is not None:
                response = replay.before_response(request, response)
        except Exception as exc:  # an answer beats a dropped connection when debugging a client
            response = _json_response(500, {"message": f"Server Error: {type(exc).__name__}: {exc}"})
        headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(response.body)),
            "Access-Control-Allow-Origin": "*",
            **response.headers,
        }
        # A response may name its own server (an edge error page says `cloudflare`).
        self._server_name = headers.pop("Server", None)
        try:
            self.send_response(response.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body and response.cut_at is not None:
                self.wfile.write(response.body[: response.cut_at])
                self.wfile.flush()
                self.close_connection = True
            elif send_body:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away; nothing to report

    def version_string(self) -> str:
        return getattr(self, "_server_name", None) or super().version_string()

    def _discard_body(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit():
            self.rfile.read(int(length))

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.replay.verbose:
            super().log_message(format, *args)


class _Row(NamedTuple):
    """One served record: its ready-made JSON bytes, its id, and the record (API-shaped when an object)."""

    encoded: bytes
    id: str | None
    record: Any


def _row(record: Any) -> _Row:
    if not isinstance(record, Mapping):
        # Served as stored: a string, a number or null in the list stays what it is.
        return _Row(php_json(record), None, record)
    api = _api_shape(record)
    # Serialised once here, so a page is only a join of ready-made bytes.
    identifier = api["id"]
    return _Row(php_json(api), None if identifier is None else str(identifier), api)


def _api_shape(record: Mapping[str, Any]) -> dict[str, Any]:
    """The 16 API keys in order; a missing `state`/`street` takes `state_province`/`address_1`."""
    shaped = {key: record.get(key) for key in BREWERY_FIELDS}
    if "state" not in record:
        shaped["state"] = record.get("state_province")
    if "street" not in record:
        shaped["street"] = record.get("address_1")
    return shaped


def _counts(rows: Iterable[_Row]) -> dict[str, dict]:
    """`by_state`, `by_country` and `by_type` of meta: `GROUP BY` counts of the rows that have the value."""
    states: Counter = Counter()
    countries: Counter = Counter()
    types: Counter = Counter()
    for row in rows:
        if isinstance(row.record, Mapping):
            for counter, name in ((states, "state_province"), (countries, "country"), (types, "brewery_type")):
                value = row.record.get(name)
                if value is not None:
                    counter[_group_key(value)] += 1
    # Keys sorted like a SQL GROUP BY would return them; the API lower-cases the types.
    lowered: Counter = Counter()
    for name, count in types.items():
        lowered[name.lower()] += count
    return {
        "by_state": dict(sorted(states.items())),
        "by_country": dict(sorted(countries.items())),
        "by_type": dict(sorted(lowered.items())),
    }


def _group_key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _parsed(query: dict[str, str]) -> Query | Response:
    """The validated query, or Laravel's 422: the first message (and how many more) and every error."""
    parsed = parse_query(query)
    if isinstance(parsed, Query):
        return parsed
    messages = [m for ms in parsed.values() for m in ms]
    message = messages[0]
    if len(messages) > 1:
        extra = len(messages) - 1
        message += f" (and {extra} more error{'s' if extra > 1 else ''})"
    return _json_response(422, {"message": message, "errors": parsed})


def _json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(payload, separators=(",", ":")).encode("utf-8"), headers or {})


def main(argv: list[str] | None = None) -> int:
    """`brewery-replay-server`: serve a snapshot file or a generated dataset until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="brewery-replay-server",
        description="Serve an offline Open Brewery DB v1 API from a snapshot or a generated dataset.",
    )
    parser.add_argument("--snapshot", help="a breweries CSV (official format), JSON array or JSON lines file")
    parser.add_argument("--size", type=int, default=DEFAULT_COUNT, help="records to generate")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks any free port")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--faults",
        default=os.environ.get(FAULTS_ENV, ""),
        help="faults to inject, e.g. 'latency=0.1,error_rate=0.05,rate_limit_burst=5' "
        f"(default ${FAULTS_ENV}); see brewery_assets.replay.faults.FaultPlan",
    )
    args = parser.parse_args(argv)
    try:
        faults = FaultPlan.parse(args.faults) if args.faults else None
    except ValueError as exc:
        parser.exit(2, f"brewery-replay-server: {exc}\n")

    if args.snapshot:
        try:
            records = load_dump(args.snapshot)
        except (OSError, ValueError) as exc:
            parser.exit(2, f"brewery-replay-server: cannot load snapshot: {exc}\n")
        source = args.snapshot
    else:
        records = generate_breweries(args.size, args.seed)
        source = f"generated, seed {args.seed}"

    server = ReplayServer(records, args.host, args.port, verbose=args.verbose)
    server.inject_faults(faults)
    try:
        server.start()
    except OSError as exc:
        parser.exit(2, f"brewery-replay-server: cannot listen on {args.host}:{args.port}: {exc}\n")
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (e.g. from a process manager or a test) stops as cleanly as Ctrl-C.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    print(f"Serving {server.record_count} records ({source}) at {server.url}", flush=True)
    if faults is not None:
        print(f"Injecting faults: {args.faults}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
