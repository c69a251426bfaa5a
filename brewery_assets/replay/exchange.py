"""What the replay server and its faults exchange: a parsed request and the response about to be sent."""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    """A parsed request, as handed to `before_response`."""

    method: str
    path: str
    query: dict[str, str]
    number: int  # 1 for the first request the server received, counting every request
    headers: Mapping[str, str] = field(default_factory=dict)
    client: str = ""  # the client's address, which the live API's rate limit is keyed on


@dataclass
class Response:
    """A response about to be sent; `before_response` may return a changed copy or a new one."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # Send only this many bytes of the body, then drop the connection (Content-Length still announces the
    # whole body): a response cut in transit.
    cut_at: int | None = None
