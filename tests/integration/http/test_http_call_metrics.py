"""Every exchange with an upstream, observed as Micrometer's http.client.requests tags it
(spring-boot-actuator WebClientExchangeTags: `uri` the template, `status` the code or IO_ERROR without an
answer, `outcome` the status class, `clientName` the host), and every call's end once, after retries."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from pytest_httpserver import HTTPServer

from ptpu_adapters.http.calls import Exchange, UpstreamCalls, failure_kind, outcome_of
from ptpu_adapters.http.wire import path
from ptpu_core.errors import UpstreamFailure
from ptpu_sandbox.ports import free_port


class Recorded(UpstreamCalls):
    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[Exchange] = []
        self.calls: list[tuple[str, str | None]] = []

    def exchanged(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        super().exchanged(exchange)

    def call_finished(self, service: str, failure: UpstreamFailure | None) -> None:
        self.calls.append((service, None if failure is None else failure_kind(failure)))
        super().call_finished(service, failure)


@pytest.fixture
def seen() -> Recorded:
    return Recorded()


def test_a_transient_failure_is_one_call_of_several_exchanges(httpserver: HTTPServer, make_upstream: Any,
                                                               seen: Recorded) -> None:
    httpserver.expect_request("/api/bookings/42").respond_with_data("busy", status=503)
    client = make_upstream("prison-api", retries=2, calls=seen)

    with pytest.raises(UpstreamFailure):
        client.call("GET", path("/api/bookings/{}", 42))

    exchanges = [(e.method, e.uri, e.status, e.error) for e in seen.exchanges]
    assert exchanges == [("GET", "/api/bookings/{}", 503, None)] * 3
    assert {e.host for e in seen.exchanges} == {httpserver.host}
    assert all(e.seconds >= 0 for e in seen.exchanges)
    assert seen.calls == [("prison-api", "HTTP 503")]


def test_a_business_status_is_a_successful_call(httpserver: HTTPServer, make_upstream: Any, seen: Recorded) -> None:
    httpserver.expect_request("/api/bookings/42/movement/1").respond_with_data("", status=404)
    client = make_upstream("prison-api", calls=seen)

    client.call("GET", path("/api/bookings/{}/movement/{}", 42, 1), business_statuses={404})

    assert [(e.uri, e.status) for e in seen.exchanges] == [("/api/bookings/{}/movement/{}", 404)]
    assert seen.calls == [("prison-api", None)]


def test_no_answer_is_an_io_error_and_the_ping_is_not_a_call(make_upstream: Any, seen: Recorded) -> None:
    client = make_upstream("community-api", base_url=f"http://127.0.0.1:{free_port()}", retries=0, calls=seen)

    with pytest.raises(UpstreamFailure):
        client.call("GET", path("/secure/offenders/crn/{}/convictions", "X1"))
    client.ping_answer()

    assert [(e.status, e.error) for e in seen.exchanges] == [(None, "IO_ERROR")]
    assert seen.calls == [("community-api", "ConnectionError")]


def test_the_histogram_has_micrometers_name_and_tags(httpserver: HTTPServer, make_upstream: Any) -> None:
    httpserver.expect_request("/match", method="POST").respond_with_json({"matches": []})
    registry = CollectorRegistry()
    calls = UpstreamCalls(registry, ["offender-search"])
    client = make_upstream("offender-search", calls=calls)

    client.call("POST", path("/match"), json={})

    text = generate_latest(registry).decode()
    labels = f'clientName="{httpserver.host}",method="POST",outcome="SUCCESS",status="200",uri="/match"'
    assert f"http_client_requests_seconds_count{{{labels}}} 1.0" in text
    assert "http_client_requests_seconds_bucket{" in text and 'le="+Inf"' in text
    assert 'ptpu_upstream_calls_total{api="offender-search",outcome="success"} 1.0' in text
    assert 'ptpu_upstream_calls_total{api="offender-search",outcome="failure"} 0.0' in text


@pytest.mark.parametrize(("status", "outcome"), [(None, "UNKNOWN"), (101, "INFORMATIONAL"), (204, "SUCCESS"),
                                                 (304, "REDIRECTION"), (404, "CLIENT_ERROR"),
                                                 (503, "SERVER_ERROR"), (600, "UNKNOWN")])
def test_outcome_is_the_status_class(status: int | None, outcome: str) -> None:
    assert outcome_of(status) == outcome
