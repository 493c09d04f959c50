"""An upstream's recent calls and when its health calls it failing: at least 3 calls in a row failed since
its last success, the latest within the window (5 minutes); one success, or a quiet window, clears it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from ptpu_adapters.http.calls import UpstreamCalls
from ptpu_core.errors import UpstreamFailure

START = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


class Ticking:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def failed(kind: str) -> UpstreamFailure:
    """A failure as UpstreamClient raises it: `HTTP <status>`, or no answer with the named requests error."""
    if kind.startswith("HTTP "):
        return UpstreamFailure("an-api", "GET /x answered", int(kind.removeprefix("HTTP ")))
    failure = UpstreamFailure("an-api", "GET /x failed")
    failure.__cause__ = getattr(requests, kind)()
    return failure


@pytest.fixture
def clock() -> Ticking:
    return Ticking()


@pytest.fixture
def recent(clock: Ticking) -> UpstreamCalls:
    return UpstreamCalls(window=timedelta(minutes=5), min_failures=3, now=clock)


def test_failing_after_the_minimum_of_failures_in_a_row(recent: UpstreamCalls, clock: Ticking) -> None:
    recent.call_finished("prison-api", None)
    for n in range(2):
        clock.now += timedelta(seconds=10)
        recent.call_finished("prison-api", failed("HTTP 503"))
        assert not recent.summary("prison-api").failing, n
    clock.now += timedelta(seconds=10)
    recent.call_finished("prison-api", failed("HTTP 502"))

    summary = recent.summary("prison-api")
    assert summary.failing
    assert (summary.last_success, summary.last_failure) == (START, START + timedelta(seconds=30))
    assert (summary.last_failure_kind, summary.failures_in_window) == ("HTTP 502", 3)
    assert not recent.summary("community-api").failing  # per upstream


def test_one_success_clears_it(recent: UpstreamCalls) -> None:
    for _ in range(5):
        recent.call_finished("prison-api", failed("HTTP 500"))
    recent.call_finished("prison-api", None)

    summary = recent.summary("prison-api")
    assert not summary.failing
    assert summary.failures_in_window == 5  # still shown: they were in the window


def test_failures_between_successes_never_make_it_failing(recent: UpstreamCalls) -> None:
    for _ in range(10):
        recent.call_finished("prison-api", failed("HTTP 500"))
        recent.call_finished("prison-api", failed("HTTP 500"))
        recent.call_finished("prison-api", None)

    assert not recent.summary("prison-api").failing
    assert recent.summary("prison-api").failures_in_window == 20


def test_failures_leave_the_window_and_a_quiet_window_clears_it(recent: UpstreamCalls, clock: Ticking) -> None:
    for _ in range(3):
        recent.call_finished("prison-api", failed("HTTP 500"))
    clock.now += timedelta(minutes=5)
    assert recent.summary("prison-api").failing  # the latest failure is exactly a window old

    clock.now += timedelta(seconds=1)
    summary = recent.summary("prison-api")
    assert (summary.failing, summary.failures_in_window) == (False, 0)
    assert summary.last_failure == START  # still told


def test_nothing_known_is_not_failing(recent: UpstreamCalls) -> None:
    summary = recent.summary("offender-search")
    assert (summary.failing, summary.last_success, summary.last_failure, summary.failures_in_window) == (
        False, None, None, 0,
    )


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        UpstreamCalls(min_failures=0)
    with pytest.raises(ValueError):
        UpstreamCalls(window=timedelta(0))


@pytest.mark.parametrize("refusal", ["HTTP 404", "HTTP 400", "HTTP 409"])
def test_an_api_refusing_a_request_s_data_is_answering_not_failing(recent: UpstreamCalls, refusal: str) -> None:
    """Events for bookings prison-api does not know (404) must not turn prison-api's health DOWN."""
    for _ in range(5):
        recent.call_finished("prison-api", failed(refusal))

    summary = recent.summary("prison-api")
    assert not summary.failing
    assert summary.failures_in_window == 0


def test_a_refusal_ends_a_run_of_failures(recent: UpstreamCalls) -> None:
    recent.call_finished("prison-api", failed("HTTP 503"))
    recent.call_finished("prison-api", failed("HTTP 503"))
    recent.call_finished("prison-api", failed("HTTP 404"))
    recent.call_finished("prison-api", failed("HTTP 503"))

    assert not recent.summary("prison-api").failing


@pytest.mark.parametrize("kind", ["HTTP 401", "HTTP 403", "HTTP 429", "HTTP 502", "ReadTimeout"])
def test_credentials_throttling_server_errors_and_silence_are_failures(recent: UpstreamCalls, kind: str) -> None:
    for _ in range(3):
        recent.call_finished("community-api", failed(kind))

    assert recent.summary("community-api").failing


@pytest.mark.parametrize("silence", ["ReadTimeout", "ConnectTimeout", "ConnectionError"])
def test_one_call_without_an_answer_is_failing_at_once(recent: UpstreamCalls, silence: str) -> None:
    """A hanging API: each call takes the client's three tries of a 10 s read timeout, so waiting for three
    such calls would leave /health UP for about 90 s."""
    recent.call_finished("prison-api", None)
    recent.call_finished("prison-api", failed(silence))
    assert recent.summary("prison-api").failing

    recent.call_finished("prison-api", failed("HTTP 503"))  # answering with errors now: still the same run
    assert recent.summary("prison-api").failing

    recent.call_finished("prison-api", None)
    assert not recent.summary("prison-api").failing


def test_a_refusal_after_a_call_without_an_answer_ends_the_run(recent: UpstreamCalls) -> None:
    recent.call_finished("prison-api", failed("ReadTimeout"))
    recent.call_finished("prison-api", failed("HTTP 404"))

    assert not recent.summary("prison-api").failing
