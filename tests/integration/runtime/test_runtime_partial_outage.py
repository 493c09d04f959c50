"""prison-api's API down while its /health/ping answers (the README's "prison-api down" fault, `/api/`): the
real container, on the AWS emulator and a loopback prison-api, shows it on /health and /prometheus.

References: the existing service's PrisonApiHealth only pinged /health/ping (prison-to-probation-update
services/health/HealthCheck.kt); the metric names and tags are Micrometer's http.client.requests as
spring-boot-actuator's WebClientExchangeTags set them (uri = template, status, outcome = status class)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pytest_httpserver import HTTPServer
from test_runtime_container import env, pings_answer  # noqa: F401 - the env fixture, shared

from ptpu_core.errors import UpstreamFailure
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container

BOOKINGS = (1200001, 1200002, 1200003)


def _api_fails(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/auth/oauth/token", method="POST").respond_with_json(
        {"access_token": "t", "token_type": "bearer", "expires_in": 3600}
    )
    for booking in BOOKINGS:
        httpserver.expect_request(f"/prison/api/bookings/{booking}").respond_with_data("down", status=500)


def _sample(text: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items())
    )


@pytest.fixture
def container(env: dict[str, str], httpserver: HTTPServer) -> Container:  # noqa: F811 - the fixture above
    pings_answer(httpserver)
    _api_fails(httpserver)
    built = Container(settings=load_settings(env))
    built.queue_urls()
    return built


def test_health_is_down_for_an_api_whose_calls_fail_while_its_ping_answers(container: Container) -> None:
    client = TestClient(container.app())
    assert client.get("/health").json()["components"]["prisonApiHealth"]["status"] == "UP"

    for booking in BOOKINGS:
        with pytest.raises(UpstreamFailure):
            container.prison_api().get_booking(booking)

    response = client.get("/health")
    assert response.status_code == 503
    prison = response.json()["components"]["prisonApiHealth"]
    assert prison["status"] == "DOWN"
    assert prison["details"]["HttpStatus"] == "OK"  # the ping still answers
    recent = prison["details"]["recentCalls"]
    assert (recent["failing"], recent["failures"], recent["lastFailureKind"]) == (True, 3, "HTTP 500")
    assert recent["lastSuccess"] is None and recent["lastFailure"].endswith("Z")
    assert "1200001" not in response.text  # /health is open: no booking id, path or body
    assert response.json()["components"]["communityApiHealth"]["status"] == "UP"
    # Kubernetes' probes never follow an upstream: no restart, no unready pod.
    assert client.get("/health/liveness").status_code == 200
    assert client.get("/health/readiness").status_code == 200


def test_prometheus_shows_each_failed_exchange_and_call(container: Container) -> None:
    client = TestClient(container.app())
    for booking in BOOKINGS:
        with pytest.raises(UpstreamFailure):
            container.prison_api().get_booking(booking)

    text = client.get("/prometheus").text
    host = urlsplit(container.settings().prison_endpoint_url).hostname  # Micrometer's clientName: the host
    exchanges = _sample(
        text, "http_client_requests_seconds_count",
        method="GET", uri="/api/bookings/{}", status="500", outcome="SERVER_ERROR", clientName=str(host),
    )
    assert exchanges == 3  # 500 is not transient: one exchange per call
    assert _sample(text, "ptpu_upstream_calls_total", api="prison-api", outcome="failure") == 3
    assert _sample(text, "ptpu_upstream_calls_total", api="community-api", outcome="failure") == 0
    assert 'uri="/api/bookings/1200001"' not in text  # the template, never each booking's path
