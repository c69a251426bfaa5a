"""Reading the whole catalogue from the API into a bronze snapshot that is complete and consistent.

The API pages with offset/limit over a catalogue that changes while it is read: a brewery inserted before
a page not yet read pushes a row onto the next page (read twice), a deletion pulls one back (never read),
and `/meta` may be cached apart from the list. So one read is trusted only if it checks out:

1. a full pass: `/meta`, every page (concurrently), the page after the last (must be empty), `/meta` again;
2. it is clean when the total did not move, every page but the last is full, the last holds the rest, no
   id is read on two pages and the records add up to the total; then it is published;
3. pages that came back short while nothing else was wrong are read again (a flaky page, not drift);
4. otherwise the catalogue is re-read in full until two consecutive passes give the same ids in the same
   order and the later one is clean, at most `consistency_passes` times; failing that, nothing is
   published and the error says what did not add up.

An id can also repeat because the catalogue itself holds it twice. Copies on one page are that (a page is
one query of one state of the table), so they do not stop a pass. Copies on different pages could also be
a row pushed onto the next page while reading, so the catalogue is read again: when the next pass reads
the same ids in the same order, the repeat is the catalogue's own and the snapshot is published; silver
keeps one row per id and quarantines the others as `duplicate_id`.

Elements of a page that are not brewery objects are stored as they are and counted as records (without
an id); silver quarantines them. The extraction has a time budget (`ExtractionSettings.time_budget_seconds`)
that bounds every wait, 429 windows included.

What happened (passes, re-read pages, the problems seen, repeated ids, rate-limit waits) is recorded in the
manifest under `extraction`.
"""

import datetime as dt
import queue
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from brewery_assets.ingestion.bronze import BronzeSnapshotWriter, IncompleteSnapshotError
from brewery_assets.ingestion.dump import OFFICIAL_DUMP_URL
from brewery_assets.lake import LakeLayout
from brewery_assets.openbrewerydb.client import (
    OpenBreweryDBClient,
    OpenBreweryDBError,
    RequestRejected,
    Retry,
    TimeBudgetExhausted,
)
from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE
from brewery_assets.openbrewerydb.retry import EDGE_STATUSES

# How far past the last page (by the total) a pass keeps reading while pages still hold rows.
MAX_EXTRA_PAGES = 50
# Long enough for a daily read of ~60 pages through several 60-second rate-limit windows and retries.
DEFAULT_TIME_BUDGET_SECONDS = 20 * 60
_PROGRESS_EVERY_SECONDS = 5.0
_EXAMPLES = 5


@dataclass(frozen=True)
class ExtractionSettings:
    """How the catalogue is read: page size, parallel requests, how many full re-reads drift may cost, and
    how long the whole extraction may take (None: no limit)."""

    per_page: int = MAX_PER_PAGE
    max_concurrency: int = 4
    consistency_passes: int = 3
    time_budget_seconds: float | None = DEFAULT_TIME_BUDGET_SECONDS

    def __post_init__(self) -> None:
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, got {self.per_page}")
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {self.max_concurrency}")
        if self.time_budget_seconds is not None and self.time_budget_seconds <= 0:
            raise ValueError(f"time_budget_seconds must be positive, got {self.time_budget_seconds}")


@dataclass
class PassResult:
    """One full read of the catalogue, staged in its own writer."""

    number: int
    writer: BronzeSnapshotWriter
    total_before: int
    total_after: int = -1
    page_count: int = 0
    reread_pages: list[int] = field(default_factory=list)

    def ids(self) -> list:
        """Every id read, in page and record order."""
        return [i for page_ids in self.writer.ids_by_page().values() for i in page_ids]

    def check(self, per_page: int) -> "PassCheck":
        """What does not add up in this pass."""
        problems, short = [], []
        if self.total_before != self.total_after:
            problems.append(f"the /meta total changed during the read ({self.total_before} -> {self.total_after})")
        by_page = self.writer.ids_by_page()
        total = self.total_after
        for number in range(1, self.page_count + 1):
            expected = per_page if number < self.page_count else total - (self.page_count - 1) * per_page
            got = len(by_page.get(number, []))
            if got < expected:
                short.append(number)
                problems.append(f"page {number} has {got} rows where {expected} were due")
        beyond = sum(len(ids) for number, ids in by_page.items() if number > self.page_count)
        if beyond:
            problems.append(f"{beyond} rows came after the last page by the total (page {self.page_count})")
        pages_of: dict = {}
        for number, ids in by_page.items():
            for i in ids:
                if i is not None:
                    pages_of.setdefault(i, []).append(number)
        repeated = sorted(i for i, pages in pages_of.items() if len(pages) > 1)
        across = [i for i in repeated if len(set(pages_of[i])) > 1]
        if across:
            problems.append(f"{len(across)} ids were read on more than one page (e.g. {across[0]})")
        records = sum(len(ids) for ids in by_page.values())
        if records != total:
            problems.append(f"{records} records were read but /meta reports {total}")
        moved = self.total_before != self.total_after or bool(across) or bool(beyond)
        return PassCheck(problems, short, moved, repeated, across)


@dataclass(frozen=True)
class PassCheck:
    """The problems of a pass; `short_pages` came back with too few rows; `moved` means the catalogue may
    have moved (the total changed, an id on two pages, rows past the end), which re-reading single pages
    cannot mend. `repeated_ids` repeat anywhere in the pass; `repeated_across_pages` of them were read on
    different pages, which a shift while paging could also explain."""

    problems: list[str]
    short_pages: list[int]
    moved: bool
    repeated_ids: list = field(default_factory=list)
    repeated_across_pages: list = field(default_factory=list)

    @property
    def only_repeats(self) -> bool:
        """The one problem is ids read on more than one page: clean if another pass reads the same."""
        return len(self.problems) == 1 and bool(self.repeated_across_pages)


class ApiExtraction:
    """One extraction of the catalogue into a bronze snapshot (see the module docstring)."""

    def __init__(
        self,
        client: OpenBreweryDBClient,
        layout: LakeLayout,
        ingest_date: dt.date,
        settings: ExtractionSettings,
        log: Callable[[str], None] | None = None,
    ):
        self.client = client
        self.layout = layout
        self.ingest_date = ingest_date
        self.settings = settings
        self.log = log or (lambda message: None)
        self.history: list[dict] = []
        self._writers: list[BronzeSnapshotWriter] = []
        self._notes: queue.Queue[Retry] = queue.Queue()
        # Retries are reported from the worker threads; they are queued and logged from this one, since
        # Dagster's log is written from the step's own thread.
        client.on_retry = self._notes.put
        self._last_progress = 0.0

    def run(self) -> dict:
        """Reads, verifies and publishes the snapshot; returns its manifest.

        Raises `IncompleteSnapshotError` when the reads do not add up, or the client's error when a request
        fails for good; a page's failure names the page and says what the operator can do.
        """
        self.client.set_time_budget(self.settings.time_budget_seconds)
        try:
            return self._run()
        except OpenBreweryDBError as exc:
            raise exc.reworded(explain_failure(exc, self.ingest_date), summary=_what_failed(exc)) from exc
        finally:
            # Every pass wrote its own version; whatever was not published goes.
            for writer in self._writers:
                writer.abort()

    def _run(self) -> dict:
        started = time.perf_counter()
        per_page = self.settings.per_page
        previous = self._read_pass(1)
        candidate = None
        check = previous.check(per_page)
        mended: list[str] = []
        if check.short_pages and not check.moved:
            # Short pages alone are a flaky server: reading just those pages again mends them.
            self._reread(previous, check.short_pages)
            before, check = check, previous.check(per_page)
            mended = [problem for problem in before.problems if problem not in check.problems]
        problems = check.problems
        self._record(previous, check, mended=mended)
        if not problems:
            candidate = previous
        attempts = 0
        while candidate is None and attempts < self.settings.consistency_passes:
            attempts += 1
            self.log(f"pass {previous.number} is inconsistent ({'; '.join(problems)}); reading everything again")
            current = self._read_pass(previous.number + 1)
            check = current.check(per_page)
            problems = check.problems
            agrees = current.ids() == previous.ids()
            self._record(current, check, agrees_with_previous=agrees)
            previous.writer.abort()
            if agrees and (not problems or check.only_repeats):
                # Ids on two pages, read the same way twice, are the catalogue's own repeats, not a shift.
                candidate = current
            previous = current
            if problems and agrees:
                break  # the same data twice, and it still does not add up: more reads will not change it
        if candidate is None:
            raise IncompleteSnapshotError(self._failure(problems))
        repeated = check.repeated_ids
        if repeated:
            self.log(f"the catalogue itself repeats {len(repeated)} ids (e.g. {repeated[0]}); published as read, "
                     "silver keeps one row per id and quarantines the other copies")
        return candidate.writer.publish(
            api_total=candidate.total_after,
            per_page=per_page,
            requests=self.client.stats.requests,
            bytes_received=self.client.stats.bytes_received,
            extraction={
                **self.client.stats.as_dict(),
                **self.client.rate_limit_figures(),
                "max_concurrency": self.settings.max_concurrency,
                "requests_per_minute": self.client.limiter.limit,
                "time_budget_seconds": self.settings.time_budget_seconds,
                "repeated_ids": {"count": len(repeated), "examples": repeated[:_EXAMPLES]},
                "passes": self.history,
                "published_pass": candidate.number,
                "seconds": round(time.perf_counter() - started, 3),
            },
        )

    def _read_pass(self, number: int) -> PassResult:
        source = {"kind": "api", "url": self.client.base_url}
        writer = BronzeSnapshotWriter(self.layout, self.ingest_date, source)
        self._writers.append(writer)
        total = self.client.meta()["total"]
        if total <= 0:
            raise IncompleteSnapshotError(
                f"{self.client.base_url}/breweries/meta reports {total} breweries; an empty catalogue is "
                f"not published, the snapshot for {self.ingest_date} is unchanged"
            )
        result = PassResult(number, writer, total, page_count=self.client.page_count(total, self.settings.per_page))
        # The page after the last must be empty; if it is not, the total is too low and reading goes on.
        self._fetch(result, range(1, result.page_count + 2))
        extra = result.page_count + 1
        while writer.ids_by_page().get(extra) and extra < result.page_count + MAX_EXTRA_PAGES:
            extra += 1
            self._fetch(result, [extra])
        result.total_after = self.client.meta()["total"]
        return result

    def _reread(self, result: PassResult, pages: list[int]) -> None:
        self.log(f"pass {result.number}: reading short pages {pages} again")
        result.reread_pages.extend(pages)
        self._fetch(result, pages)

    def _fetch(self, result: PassResult, numbers: Iterable[int]) -> None:
        """Fetches pages with bounded concurrency, storing each as it arrives (in this thread)."""
        numbers = list(numbers)
        per_page = self.settings.per_page
        done = 0
        with ThreadPoolExecutor(self.settings.max_concurrency, thread_name_prefix="bronze-page") as pool:
            pending: dict[Future, int] = {pool.submit(self.client.page, n, per_page): n for n in numbers}
            try:
                while pending:
                    finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    self._log_retries()
                    for future in finished:
                        number = pending.pop(future)
                        page = future.result()
                        if page.records:
                            result.writer.add_page(number, page.records, page.body)
                        done += 1
                        self._progress(result.number, done, len(numbers))
            except BaseException:
                self.client.stop()  # workers waiting to retry give up instead of holding the failure back
                for future in pending:
                    future.cancel()
                raise
        self._log_retries()

    def _progress(self, pass_number: int, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self._last_progress >= _PROGRESS_EVERY_SECONDS or done % 10 == 0:
            self._last_progress = now
            stats = self.client.stats
            self.log(f"pass {pass_number}: pages {done}/{total}, requests {stats.requests}, retries {stats.retries}")

    def _log_retries(self) -> None:
        while not self._notes.empty():
            retry = self._notes.get_nowait()
            self.log(f"retry {retry.attempt} of {retry.request} in {retry.wait_seconds:.2f} s: {retry.reason}")

    def _record(
        self, result: PassResult, check: PassCheck, agrees_with_previous: bool | None = None,
        mended: list[str] | None = None,
    ) -> None:
        entry = {
            "pass": result.number,
            "total_before": result.total_before,
            "total_after": result.total_after,
            "pages": result.page_count,
            "records": result.writer.records,
            "reread_pages": result.reread_pages,
            "problems": check.problems,
        }
        if check.repeated_ids:
            entry["repeated_ids"] = len(check.repeated_ids)
        if mended:
            entry["mended_by_reread"] = mended
        if agrees_with_previous is not None:
            entry["agrees_with_previous"] = agrees_with_previous
        self.history.append(entry)

    def _failure(self, problems: list[str]) -> str:
        agreed = [entry["pass"] for entry in self.history if entry.get("agrees_with_previous")]
        detail = (
            f"passes {', '.join(map(str, agreed))} read the same ids as the pass before them, but the data "
            "does not add up" if agreed else "no two consecutive passes read the same ids: the catalogue kept changing"
        )
        return (
            f"{self.client.base_url}: no consistent snapshot after {len(self.history)} full reads "
            f"({detail}); the last read: {'; '.join(problems)}. The snapshot for {self.ingest_date} was not "
            "published; the previous one is unchanged"
        )


def explain_failure(exc: OpenBreweryDBError, ingest_date: dt.date) -> str:
    """The message of a failed extraction: which page (if a page), what the API answered last, that nothing
    was published, and what the operator can do."""
    return (f"{_what_failed(exc)}. The snapshot for {ingest_date} was not published; the previous one is "
            f"unchanged. What to do: {_advice(exc)}")


def _what_failed(exc: OpenBreweryDBError) -> str:
    return (f"page {exc.page} of the catalogue could not be read: " if exc.page is not None else "") + str(exc)


def _advice(exc: OpenBreweryDBError) -> str:
    fallback = (f"set run config fallback_dump_url (e.g. the official dump, {OFFICIAL_DUMP_URL}) to publish the "
                "day from the dataset's dump when the API fails, or run with source: file")
    if isinstance(exc, RequestRejected):
        return ("fix the request: the API URL (it must end in /v1) or the run config; asking again will not help")
    if isinstance(exc, TimeBudgetExhausted):
        return ("the API kept the client waiting past the time budget (run config time_budget_seconds). Its rate "
                "limit (about 120 requests a minute per address) may be shared with other clients behind the same "
                f"address: run again later or raise time_budget_seconds; or {fallback}")
    if exc.status in EDGE_STATUSES:
        return ("the API's edge (Cloudflare) got no answer from the API's own server: the API is down or "
                f"overloaded. The step's retry policy tries again; run again later; or {fallback}")
    if exc.page is not None and exc.status is not None and exc.status >= 500:
        return ("if this page fails on every try while other pages answer, a record on it is one the API cannot "
                "serve (the live API answers 500 for a brewery_type outside its list) and it will keep failing "
                "until the API's maintainers fix it: report the page to them "
                f"(https://github.com/openbrewerydb/openbrewerydb-laravel-api/issues); meanwhile {fallback}")
    return f"check that the API answers (its URL, the network); the step's retry policy tries again; or {fallback}"


def ingest_from_api(
    client: OpenBreweryDBClient,
    layout: LakeLayout,
    ingest_date: dt.date,
    settings: ExtractionSettings | None = None,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Reads every page of the API into a new snapshot for `ingest_date` and publishes it; returns the manifest.

    The snapshot is published only when it is complete and consistent (see the module docstring); otherwise
    nothing is published, the day's previous snapshot stays, and `IncompleteSnapshotError` says what was
    inconsistent. Request failures that retries could not overcome raise the client's error.
    """
    return ApiExtraction(client, layout, ingest_date, settings or ExtractionSettings(), log).run()
