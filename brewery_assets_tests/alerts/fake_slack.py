"""A fake Slack Web API on a real local HTTP server.

It speaks just enough of `chat.postMessage`: it records each request's body and Authorization
header, answers `{"ok": true, "channel": ..., "ts": ...}`, and can be scripted to answer
`ratelimited` (HTTP 429 with `Retry-After: 1`), `invalid_auth` or `channel_not_found` instead.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TOKEN = "xoxb-0000-test-SECRET-token"
CHANNEL = "#brewery-alerts"


@dataclass
class SlackRequest:
    """One request the fake received, and how it answered."""

    path: str
    authorization: str | None
    body: dict
    raw: str
    status: int
    outcome: str


@dataclass
class FakeSlack:
    """State of the fake Slack API: the requests received and the scripted answers still to give."""

    base_url: str = ""
    requests: list[SlackRequest] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    default_outcome: str = "ok"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_outcome(self) -> str:
        with self.lock:
            return self.script.pop(0) if self.script else self.default_outcome

    @property
    def delivered(self) -> list[str]:
        """Texts of the messages that were answered `ok`, in order."""
        return [request.body["text"] for request in self.requests if request.outcome == "ok"]


def _answer(outcome: str, channel: str, ts: int) -> tuple[int, dict, dict[str, str]]:
    if outcome == "ok":
        return 200, {"ok": True, "channel": channel, "ts": f"{ts}.000100", "message": {}}, {}
    if outcome == "ratelimited":
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
    return 200, {"ok": False, "error": outcome}, {}


class _SlackHandler(BaseHTTPRequestHandler):
    server: "FakeSlackServer"

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if "json" in (self.headers.get("Content-Type") or ""):
            body = json.loads(raw or "{}")
        else:
            body = {name: values[0] for name, values in parse_qs(raw).items()}
        fake = self.server.fake
        if self.path.endswith("/chat.postMessage"):
            outcome = fake.next_outcome()
            status, payload, headers = _answer(outcome, body.get("channel", ""), len(fake.requests) + 1)
        else:
            outcome, status, payload, headers = "unknown_method", 404, {"ok": False, "error": "unknown_method"}, {}
        with fake.lock:
            fake.requests.append(
                SlackRequest(self.path, self.headers.get("Authorization"), body, raw, status, outcome)
            )
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        pass  # keep test output to what the code under test logs


class FakeSlackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack):
        super().__init__(("127.0.0.1", 0), _SlackHandler)
        self.fake = fake


def assert_token_absent(*texts: str) -> None:
    """The test token appears in none of the texts (message bodies, logs, cursors, skip reasons)."""
    for text in texts:
        assert TOKEN not in text
