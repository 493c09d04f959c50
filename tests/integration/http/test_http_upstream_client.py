"""UpstreamClient failure handling: timeouts, refused connections, 401 refresh, transient retries."""

from __future__ import annotations

import socket
import time

import pytest
from http_stubs import expect_token, token_requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ptpu_adapters.http.base import PING_TIMEOUT_SECONDS
from ptpu_core.errors import UpstreamFailure


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def slow(seconds: float):
    def handler(_: Request) -> Response:
        time.sleep(seconds)
        return Response("{}", content_type="application/json")

    return handler


def test_read_timeout_is_a_system_failure(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_request("/slow").respond_with_handler(slow(0.5))
    client = make_upstream(read_timeout=0.05, retries=0)

    with pytest.raises(UpstreamFailure, match="timed out") as failure:
        client.call("GET", "/slow")
    assert failure.value.service == "prison-api"


def test_connection_refused_is_a_system_failure(make_upstream, sleep) -> None:
    client = make_upstream(base_url=f"http://127.0.0.1:{closed_port()}", retries=1)

    with pytest.raises(UpstreamFailure, match="failed: ConnectionError"):
        client.call("GET", "/api/anything")
    assert sleep.delays == [0.2]


def test_unauthorised_refreshes_the_token_once_and_retries(httpserver: HTTPServer, make_upstream) -> None:
    client = make_upstream()
    client.call("GET", "/health/anything-cached-first", business_statuses={500})  # caches token-1
    httpserver.clear()
    httpserver.expect_oneshot_request("/api/thing", headers={"Authorization": "Bearer token-1"}).respond_with_data(
        "expired", status=401
    )
    expect_token(httpserver, token="token-2")
    httpserver.expect_oneshot_request("/api/thing", headers={"Authorization": "Bearer token-2"}).respond_with_json(
        {"ok": True}
    )

    assert client.call("GET", "/api/thing").json() == {"ok": True}
    assert token_requests(httpserver) == 1
    httpserver.check_assertions()


def test_a_second_unauthorised_is_a_system_failure(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_request("/api/thing").respond_with_data("no", status=401)
    client = make_upstream()

    with pytest.raises(UpstreamFailure) as failure:
        client.call("GET", "/api/thing")
    assert failure.value.status == 401
    assert token_requests(httpserver) == 2  # the first token and exactly one refresh
    assert sum(1 for request, _ in httpserver.log if request.path == "/api/thing") == 2


def test_transient_error_is_retried_with_back_off(httpserver: HTTPServer, make_upstream, sleep) -> None:
    httpserver.expect_oneshot_request("/api/thing").respond_with_data("busy", status=503)
    httpserver.expect_oneshot_request("/api/thing").respond_with_data("gateway", status=502)
    httpserver.expect_oneshot_request("/api/thing").respond_with_json({"ok": True})
    client = make_upstream(retries=2, retry_delay=0.2)

    assert client.call("GET", "/api/thing").json() == {"ok": True}
    assert sleep.delays == [0.2, 0.4]
    httpserver.check_assertions()


def test_writes_are_retried_too(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_oneshot_request("/api/thing", method="PUT").respond_with_data("busy", status=504)
    httpserver.expect_oneshot_request("/api/thing", method="PUT", json={"a": 1}).respond_with_json({"ok": True})

    assert make_upstream().call("PUT", "/api/thing", json={"a": 1}).json() == {"ok": True}
    httpserver.check_assertions()


def test_retries_run_out(httpserver: HTTPServer, make_upstream, sleep) -> None:
    httpserver.expect_request("/api/thing").respond_with_data("busy", status=503)

    with pytest.raises(UpstreamFailure) as failure:
        make_upstream(retries=2).call("GET", "/api/thing")
    assert failure.value.status == 503
    assert len(sleep.delays) == 2
    assert sum(1 for request, _ in httpserver.log if request.path == "/api/thing") == 3


def test_timeouts_are_retried(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_oneshot_request("/api/thing").respond_with_handler(slow(0.3))
    httpserver.expect_oneshot_request("/api/thing").respond_with_json({"ok": True})

    assert make_upstream(read_timeout=0.05, retries=1).call("GET", "/api/thing").json() == {"ok": True}


@pytest.mark.parametrize("status", [400, 404, 500])
def test_other_errors_are_not_retried(httpserver: HTTPServer, make_upstream, sleep, status: int) -> None:
    httpserver.expect_request("/api/thing").respond_with_data("no", status=status)

    with pytest.raises(UpstreamFailure):
        make_upstream(retries=2).call("GET", "/api/thing")
    assert sleep.delays == []


def test_business_status_is_returned(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_request("/api/thing").respond_with_data("gone", status=404)

    assert make_upstream().call("GET", "/api/thing", business_statuses={404}).status_code == 404


def test_ping_never_raises_when_unreachable(make_upstream) -> None:
    assert make_upstream(base_url=f"http://127.0.0.1:{closed_port()}").ping_answer().ok is False


def test_ping_answer_carries_the_status_and_body_without_a_token(httpserver: HTTPServer, make_upstream) -> None:
    # What /health shows for an upstream, as the existing service's HealthCheck: HttpStatus, and body when down.
    httpserver.expect_request("/health/ping").respond_with_data('{"status":"DOWN"}', status=503)

    answer = make_upstream().ping_answer()

    assert (answer.status, answer.body, answer.ok) == (503, '{"status":"DOWN"}', False)
    assert token_requests(httpserver) == 0
    assert "Authorization" not in httpserver.log[-1][0].headers


def test_a_hanging_upstream_ping_answers_within_the_ping_timeout(httpserver: HTTPServer, make_upstream) -> None:
    """/health must answer while an upstream hangs: the ping waits PING_TIMEOUT_SECONDS, not the 10 s read
    timeout of a real call."""
    httpserver.expect_request("/health/ping").respond_with_handler(
        lambda request: (time.sleep(PING_TIMEOUT_SECONDS + 3), Response("late"))[1]
    )
    started = time.monotonic()

    answer = make_upstream(read_timeout=10.0).ping_answer()

    assert (answer.status, answer.error) == (None, "ReadTimeout")
    assert time.monotonic() - started < PING_TIMEOUT_SECONDS + 2.5


def test_ping_answer_says_what_kind_of_failure_when_nothing_answers(make_upstream) -> None:
    answer = make_upstream(base_url=f"http://127.0.0.1:{closed_port()}").ping_answer()
    assert (answer.status, answer.error, answer.ok) == (None, "ConnectionError", False)


def test_an_outage_is_one_retry_warning_then_one_line_when_a_call_answers(
    httpserver: HTTPServer, make_upstream, caplog: pytest.LogCaptureFixture
) -> None:
    """A loopback upstream answering 503 to 20 calls (40 retries): one WARNING, not one per retry; the
    next answer ends it with one line (the count a minute between is OutageLog's, tests/unit/adapters)."""
    client = make_upstream("community-api", retries=2)
    httpserver.expect_request("/api/thing").respond_with_data("busy", status=503)
    with caplog.at_level("WARNING", logger="ptpu_adapters.http.base"):
        for _ in range(20):
            with pytest.raises(UpstreamFailure):
                client.call("GET", "/api/thing")
        httpserver.clear()
        expect_token(httpserver)
        httpserver.expect_request("/api/thing").respond_with_json({"ok": True})
        client.call("GET", "/api/thing")
    logged = [r.getMessage() for r in caplog.records if r.name == "ptpu_adapters.http.base"]
    assert logged[0] == (
        "community-api call failed (GET /api/thing, transient, retrying in 0.20s): answered 503 "
        "(repeats are counted, one line a minute, until it recovers)"
    )
    assert logged[1].startswith("community-api call recovered after 40 failures over ")
    assert len(logged) == 2
