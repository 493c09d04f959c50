"""Each upstream's recent real calls, for its /health component: an API can answer its ping while every
call the service makes to it fails (prison-api's `/api/` down behind a live `/health/ping`).

Per upstream: the time of the last successful and the last failed call, the kind of the last failure,
the failures within the last `window`, and whether the upstream is `failing`: at least `min_failures`
calls in a row have failed since its last success, the latest within `window`. One success clears it;
with no call for a `window` it clears too (nothing recent is known). A call is one `UpstreamClient.call`,
after the client's own retries (call_observer). A call the API refused for its data (a 4xx such as
404 for a booking it does not know) shows the API answering: it is no failure here and ends a run of
failures; a 5xx, no answer, 401/403/407 (our credentials), 408 or 429 is.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from attrs import define, field, frozen

from ptpu_adapters.http.call_observer import CallObserver, Exchange

WINDOW = timedelta(minutes=5)
# 4xx answers that say the API (or our access to it) is failing, not that the request's data was refused.
_OUTAGE_4XX = frozenset({401, 403, 407, 408, 429})
MIN_FAILURES = 3
_KEPT_FAILURE_TIMES = 10_000  # enough to count a window's failures at any realistic rate


@frozen
class CallsSummary:
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
    failure_times: deque[datetime] = field(factory=lambda: deque(maxlen=_KEPT_FAILURE_TIMES))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RecentCalls:
    """A CallObserver keeping every upstream's recent calls; see the module docstring."""

    def __init__(
        self, window: timedelta = WINDOW, min_failures: int = MIN_FAILURES, now: Callable[[], datetime] = _utc_now
    ) -> None:
        if min_failures < 1 or window <= timedelta(0):
            raise ValueError("min_failures must be at least 1 and window positive")
        self._window = window
        self._min_failures = min_failures
        self._now = now
        self._lock = threading.Lock()
        self._calls: dict[str, _Calls] = {}

    def exchanged(self, exchange: Exchange) -> None:
        return None  # health reads whole calls, not each exchange

    def call_finished(self, service: str, failure: str | None) -> None:
        now = self._now()
        with self._lock:
            calls = self._calls.setdefault(service, _Calls())
            if failure is None:
                calls.last_success = now
                calls.failures_since_success = 0
                return
            if not is_outage(failure):
                calls.failures_since_success = 0  # it answered: the data was refused, the API works
                return
            calls.last_failure = now
            calls.last_failure_kind = failure
            calls.failures_since_success += 1
            calls.failure_times.append(now)

    def summary(self, service: str) -> CallsSummary:
        now = self._now()
        since = now - self._window
        with self._lock:
            calls = self._calls.get(service) or _Calls()
            while calls.failure_times and calls.failure_times[0] < since:
                calls.failure_times.popleft()
            recent_failure = calls.last_failure is not None and calls.last_failure >= since
            return CallsSummary(
                last_success=calls.last_success,
                last_failure=calls.last_failure,
                last_failure_kind=calls.last_failure_kind,
                failures_in_window=len(calls.failure_times),
                window=self._window,
                failing=recent_failure and calls.failures_since_success >= self._min_failures,
            )


def is_outage(failure: str) -> bool:
    """Whether a failure kind (`HTTP 503`, `ConnectTimeout`; `base.failure_kind`) says the API is failing."""
    if not failure.startswith("HTTP "):
        return True
    try:
        status = int(failure.removeprefix("HTTP "))
    except ValueError:
        return True
    return status >= 500 or status in _OUTAGE_4XX or status < 400


def _satisfies_protocol(recent: RecentCalls) -> CallObserver:
    return recent  # mypy proves RecentCalls is a CallObserver
