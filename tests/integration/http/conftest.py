"""HTTP adapter fixtures: the loopback HTTP stub (pytest-httpserver, from tests/integration/conftest.py)
playing HMPPS Auth and the upstream APIs, a token provider and upstream clients on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from http_stubs import CLIENT_ID, CLIENT_SECRET, RecordingSleep, expect_token
from pytest_httpserver import HTTPServer

from ptpu_adapters.http.auth import HmppsAuthTokenProvider
from ptpu_adapters.http.base import CallSettings, UpstreamClient


@pytest.fixture
def tokens(httpserver: HTTPServer) -> Iterator[HmppsAuthTokenProvider]:
    expect_token(httpserver)
    session = requests.Session()
    yield HmppsAuthTokenProvider(httpserver.url_for("/"), CLIENT_ID, CLIENT_SECRET, session, timeout=1.0)
    session.close()


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_upstream(httpserver: HTTPServer, tokens: HmppsAuthTokenProvider, sleep: RecordingSleep) -> Iterator[Any]:
    clients: list[UpstreamClient] = []

    def make(service: str = "prison-api", **overrides: Any) -> UpstreamClient:
        tuning: dict[str, Any] = {"connect_timeout": 0.5, "read_timeout": 1.0, "retry_delay": 0.2}
        tuning.update({name: overrides.pop(name) for name in list(overrides) if name in tuning or name == "retries"})
        base_url = overrides.pop("base_url", httpserver.url_for("/"))
        client = UpstreamClient(service, base_url, tokens, CallSettings(**tuning), **{"sleep": sleep, **overrides})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
