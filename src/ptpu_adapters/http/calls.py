"""What UpstreamClient reports; never raises into the caller. Each request is timed as Micrometer times a
WebClient's (`http_client_requests_seconds`, WebClientExchangeTags); a call, after retries, counts in
`ptpu_upstream_calls_total{api, outcome}` and in its API's /health `summary`: `failing` after `min_failures`
outage failures in a row, or one call that got no answer after its retries (a hanging or unreachable API: such a
call already took the client's tries), the latest within `window` (a 4xx refusing the request's data ends a run)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from attrs import define, field, frozen
from prometheus_client.core import CollectorRegistry, Metric
from prometheus_client.registry import Collector

from ptpu_adapters.observability.metrics import Histogram, counter_family, histogram_family
from ptpu_adapters.system_clock import SystemClock
from ptpu_core.errors import UpstreamFailure

HTTP_CLIENT_REQUESTS = "http_client_requests_seconds"
UPSTREAM_CALLS = "ptpu_upstream_calls"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LABELS = ("clientName", "method", "outcome", "status", "uri")
WINDOW = timedelta(minutes=5)
MIN_FAILURES = 3
# 4xx answers that say the API (or our access to it) is failing, not that the request's data was refused.
_OUTAGE_4XX = frozenset({401, 403, 407, 408, 429})
_KEPT_FAILURE_TIMES = 10_000  # enough to count a window's failures at any realistic rate


@frozen
class Exchange:
    """`uri`: the path's template; `status` None with `error` (IO_ERROR) when there was no answer."""

    host: str
    method: str
    uri: str
    status: int | None
    error: str | None
    seconds: float


@frozen
class CallsSummary:
    """One API's calls as its /health shows them."""

    last_success: datetime | None
    last_failure: datetime | None
    last_failure_kind: str | None
    failures_in_window: int
    window: timedelta
    failing: bool


@define
class _Calls:
    last_success: datetime | None = None
    last_failure: datetime | None = None
    last_failure_kind: str | None = None
    failures_since_success: int = 0
    unanswered_in_run: bool = False  # a failure of this run got no answer at all
    failure_times: deque[datetime] = field(factory=lambda: deque(maxlen=_KEPT_FAILURE_TIMES))


def outcome_of(status: int | None) -> str:
    """Micrometer's `outcome` tag (spring-boot Outcome.forStatus): the status class, UNKNOWN without one."""
    classes = {1: "INFORMATIONAL", 2: "SUCCESS", 3: "REDIRECTION", 4: "CLIENT_ERROR", 5: "SERVER_ERROR"}
    return "UNKNOWN" if status is None else classes.get(status // 100, "UNKNOWN")


def is_outage(failure: UpstreamFailure) -> bool:
    """Whether a failure says the API is failing, not that it refused the request's data."""
    status = failure.status
    return status is None or not 400 <= status < 500 or status in _OUTAGE_4XX


def failure_kind(failure: UpstreamFailure) -> str:
    """How a call failed, naming no path, id or body (it is shown on the open /health): `HTTP 503`, or the
    kind of error when there was no answer (`ConnectTimeout`, `ConnectionError`, `ReadTimeout`)."""
    if failure.status is not None:
        return f"HTTP {failure.status}"
    return type(failure.__cause__).__name__ if failure.__cause__ is not None else "no answer"


class UpstreamCalls(Collector):
    """Registers itself on `registry` when one is given; `apis` are the upstreams' service names."""

    def __init__(
        self, registry: CollectorRegistry | None = None, apis: Iterable[str] = (), *, window: timedelta = WINDOW,
        min_failures: int = MIN_FAILURES, now: Callable[[], datetime] = SystemClock().now,
    ) -> None:
        if min_failures < 1 or window <= timedelta(0):
            raise ValueError("min_failures must be at least 1 and window positive")
        self._window = window
        self._min_failures = min_failures
        self._now = now
        self._lock = threading.Lock()
        self._exchanges: dict[tuple[str, ...], Histogram] = {}
        self._totals: dict[tuple[str, ...], float] = {
            (api, outcome): 0.0 for api in apis for outcome in ("success", "failure")}
        self._recent: dict[str, _Calls] = {}
        if registry is not None:
            registry.register(self)

    def exchanged(self, exchange: Exchange) -> None:
        status = str(exchange.status) if exchange.status is not None else (exchange.error or "CLIENT_ERROR")
        key = (exchange.host, exchange.method, outcome_of(exchange.status), status, exchange.uri)
        with self._lock:
            self._exchanges.setdefault(key, Histogram(LATENCY_BUCKETS)).observe(exchange.seconds)

    def call_finished(self, service: str, failure: UpstreamFailure | None) -> None:
        """A call succeeded (`failure` None) or failed for good."""
        now = self._now()
        key = (service, "success" if failure is None else "failure")
        with self._lock:
            self._totals[key] = self._totals.get(key, 0.0) + 1
            calls = self._recent.setdefault(service, _Calls())
            if failure is None:
                calls.last_success = now
            if failure is None or not is_outage(failure):  # a refusal of the data is an answer: the API works
                calls.failures_since_success = 0
                calls.unanswered_in_run = False
            else:
                calls.last_failure = now
                calls.last_failure_kind = failure_kind(failure)
                calls.failures_since_success += 1
                calls.unanswered_in_run = calls.unanswered_in_run or failure.status is None
                calls.failure_times.append(now)

    def summary(self, service: str) -> CallsSummary:
        """`service`'s calls, with the window's failures counted and `failing` decided now."""
        since = self._now() - self._window
        with self._lock:
            calls = self._recent.get(service) or _Calls()
            while calls.failure_times and calls.failure_times[0] < since:
                calls.failure_times.popleft()
            recent_failure = calls.last_failure is not None and calls.last_failure >= since
            failing = recent_failure and (
                calls.failures_since_success >= self._min_failures or calls.unanswered_in_run)
            return CallsSummary(calls.last_success, calls.last_failure, calls.last_failure_kind,
                                len(calls.failure_times), self._window, failing)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            requests = histogram_family(
                HTTP_CLIENT_REQUESTS, "Requests to the upstream APIs (Micrometer http.client.requests)", LABELS,
                self._exchanges)
            calls = counter_family(UPSTREAM_CALLS, "Upstream calls after the client's retries, by API and outcome",
                                   ("api", "outcome"), self._totals)
        yield requests
        yield calls
