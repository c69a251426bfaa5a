"""Posting to Slack: a `SlackResource` that can point at any Web API base URL and never raises on a failed post.

dagster-slack's `SlackResource.get_client()` and `make_slack_on_run_failure_sensor` both build a
`WebClient` on Slack's public URL with no way to change it, so this subclass adds the base URL
(`SLACK_API_BASE_URL`: proxies, the local fake server of the tests), the channel, a bounded
`Retry-After` wait on HTTP 429, and a logger that redacts tokens from slack_sdk's debug output.
"""

import logging
import re
import time
from dataclasses import dataclass

import dagster as dg
from dagster_slack import SlackResource
from pydantic import Field
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from brewery_assets.alerts.config import CHANNEL_ENV, DEFAULT_API_BASE_URL, TOKEN_ENV, slack_api_base_url

_TOKEN_PATTERNS = [
    (re.compile(r"(Bearer\s+)[^\s'\",}]+"), r"\1[redacted]"),
    (re.compile(r"xox[a-z]-[A-Za-z0-9-]+"), "[redacted]"),
]


class _RedactTokens(logging.Filter):
    """Rewrites log records so no Slack token survives, whatever level the logger is set to."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for pattern, replacement in _TOKEN_PATTERNS:
            redacted = pattern.sub(replacement, redacted)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


# slack_sdk logs each request's params and headers at DEBUG. It masks the Authorization header itself, but a
# token passed any other way would be printed, so its clients log here, through a redacting filter.
sdk_logger = logging.getLogger("brewery_assets.alerts.slack_sdk")
sdk_logger.addFilter(_RedactTokens())


def retry_after_seconds(response: HttpResponse, default: float = 1.0) -> float:
    """The `Retry-After` header of a response in seconds, or `default` when absent or not a number."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                return default
    return default


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a rate-limited (HTTP 429) call after `Retry-After`, but never waits more than `max_wait_seconds`.

    slack_sdk's own handler sleeps for whatever Slack asks, which could outlast the sensor's
    evaluation timeout; a capped wait keeps the tick short, and an alert still rate limited after
    it is left for the next tick.
    """

    def __init__(self, max_wait_seconds: float, max_retry_count: int = 1):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_seconds = max_wait_seconds

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Sleeps for the (capped) `Retry-After` of the 429 response, then asks for one more attempt."""
        if response is None:
            raise error  # type: ignore[misc]
        wait = min(retry_after_seconds(response), self.max_wait_seconds)
        sdk_logger.warning(f"Slack API rate limited (HTTP 429): retrying in {wait:g} s")
        state.next_attempt_requested = True
        time.sleep(wait)
        state.increment_current_attempt()


@dataclass(frozen=True)
class PostOutcome:
    """Whether a message reached Slack; `detail` is the Slack error code or exception, never the token."""

    ok: bool
    detail: str = ""


class SlackAlertResource(SlackResource):
    """The alert channel of a Slack workspace, reached through the Web API at `base_url`.

    Configure `token` with `dg.EnvVar("SLACK_BOT_TOKEN")` so the secret stays out of the definitions.
    """

    channel: str = Field(description="Channel name (`#data-alerts`) or id that alerts are posted to.")
    base_url: str = Field(default=DEFAULT_API_BASE_URL, description="Slack Web API base URL.")
    timeout_seconds: int = Field(default=10, description="Timeout of each HTTP request to Slack.")
    max_retry_after_seconds: float = Field(
        default=10.0, description="Longest wait honoured for a 429's Retry-After before the one retry."
    )

    @classmethod
    def _is_dagster_maintained(cls) -> bool:
        # The parent says True; this subclass is the project's own code.
        return False

    def get_client(self) -> WebClient:
        """A `WebClient` on `base_url` that retries once on connection errors and once on HTTP 429."""
        return WebClient(
            token=self.token,
            base_url=self.base_url,
            timeout=self.timeout_seconds,
            logger=sdk_logger,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=1),
                BoundedRateLimitRetryHandler(max_wait_seconds=self.max_retry_after_seconds),
            ],
        )

    def post(self, text: str, log: logging.Logger) -> PostOutcome:
        """Posts `text` (Slack mrkdwn) to the channel; logs and returns a failed outcome instead of raising."""
        try:
            self.get_client().chat_postMessage(
                channel=self.channel, text=text, mrkdwn=True, unfurl_links=False, unfurl_media=False
            )
        except SlackApiError as error:
            detail = describe_api_error(error)
            log.error(f"Slack chat.postMessage to {self.channel} failed: {detail}")
            return PostOutcome(ok=False, detail=detail)
        except (SlackClientError, OSError) as error:
            # Connection refused, DNS, timeouts: the message is kept for a later attempt by the caller.
            detail = f"{type(error).__name__}: {error}"
            for pattern, replacement in _TOKEN_PATTERNS:
                detail = pattern.sub(replacement, detail)
            log.error(f"Slack chat.postMessage to {self.channel} failed: {detail}")
            return PostOutcome(ok=False, detail=detail)
        return PostOutcome(ok=True)


def describe_api_error(error: SlackApiError) -> str:
    """`invalid_auth (HTTP 200)`, `ratelimited (HTTP 429, Retry-After 30 s)`, plus a hint for common codes."""
    response = error.response
    code = response.get("error") if isinstance(response.data, dict) else None
    code = code or "unknown_error"
    parts = [f"HTTP {response.status_code}"]
    if response.status_code == 429:
        retry_after = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        if retry_after:
            parts.append(f"Retry-After {retry_after} s")
    hint = {
        "invalid_auth": f"check {TOKEN_ENV}",
        "not_authed": f"check {TOKEN_ENV}",
        "token_revoked": f"check {TOKEN_ENV}",
        "channel_not_found": f"check {CHANNEL_ENV} and invite the bot to the channel",
        "not_in_channel": "invite the bot to the channel",
        "ratelimited": "still rate limited after one retry",
    }.get(code)
    return f"{code} ({', '.join(parts)})" + (f": {hint}" if hint else "")


def slack_alert_resource_from_env() -> SlackAlertResource:
    """The resource configured from `SLACK_BOT_TOKEN` (as an EnvVar), `SLACK_ALERT_CHANNEL`, `SLACK_API_BASE_URL`."""
    return SlackAlertResource(
        token=dg.EnvVar(TOKEN_ENV),
        channel=dg.EnvVar(CHANNEL_ENV),
        base_url=slack_api_base_url(),
    )
