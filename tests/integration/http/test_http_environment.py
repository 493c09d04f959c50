"""UpstreamClient reads the proxy and CA-bundle variables once, honours them, and never reads ~/.netrc.

requests re-reads these on every call when its session trusts the environment (and a netrc entry for the
host replaces an Authorization header with Basic credentials); the client now reads them once per base URL.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from http_stubs import BEARER, TOKEN
from pytest_httpserver import HTTPServer

from ptpu_adapters.http.base import environment_settings
from ptpu_core.errors import UpstreamFailure

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                   "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_http_proxy_from_the_environment_carries_the_call(
    httpserver: HTTPServer, make_upstream, tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens.token()  # HMPPS Auth's token first, straight from the stub
    # The stub plays the proxy: a host that cannot resolve is reached only through it.
    monkeypatch.setenv("HTTP_PROXY", httpserver.url_for("/").rstrip("/"))
    httpserver.expect_request("/api/bookings/1", headers={"Host": "prison-api.invalid"}).respond_with_json({"a": 1})
    client = make_upstream(base_url="http://prison-api.invalid", retries=0)

    assert client.call("GET", "/api/bookings/1").json() == {"a": 1}


def test_no_proxy_naming_the_host_goes_direct(
    httpserver: HTTPServer, make_upstream, tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens.token()  # HMPPS Auth's token first, before the proxy that refuses connections is set
    refusing = closed_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://user:secret@127.0.0.1:{refusing}")
    httpserver.expect_request("/api/bookings/1").respond_with_json({"a": 1})
    proxied = make_upstream(retries=0)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = make_upstream(retries=0)

    with pytest.raises(UpstreamFailure) as failure:
        proxied.call("GET", "/api/bookings/1")
    assert failure.value.detail == f"GET /api/bookings/1 failed: ProxyError (proxy 127.0.0.1:{refusing})"
    assert direct.call("GET", "/api/bookings/1").json() == {"a": 1}


def test_the_environment_is_read_when_the_client_is_made_not_per_call(
    httpserver: HTTPServer, make_upstream, tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens.token()
    httpserver.expect_request("/api/bookings/1").respond_with_json({"a": 1})
    client = make_upstream(retries=0)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")

    assert client.call("GET", "/api/bookings/1").json() == {"a": 1}


def test_a_netrc_entry_for_the_host_never_replaces_the_bearer_token(
    httpserver: HTTPServer, make_upstream, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    httpserver.expect_request("/api/bookings/1", headers=BEARER).respond_with_json({"token": TOKEN})
    client = make_upstream(retries=0)

    assert client.call("GET", "/api/bookings/1").json() == {"token": TOKEN}


def test_ca_bundle_variables_in_requests_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert environment_settings("https://prison-api")["verify"] is True
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/curl.pem")
    assert environment_settings("https://prison-api")["verify"] == "/etc/curl.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/requests.pem")
    assert environment_settings("https://prison-api")["verify"] == "/etc/requests.pem"


def test_a_transient_failure_is_logged_with_its_cause(
    httpserver: HTTPServer, make_upstream, tokens, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tokens.token()
    refusing = closed_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refusing}")
    client = make_upstream(retries=1)

    with caplog.at_level("WARNING", logger="ptpu_adapters.http.base"), pytest.raises(UpstreamFailure):
        client.call("GET", "/api/bookings/1")
    assert [r.getMessage() for r in caplog.records if r.name == "ptpu_adapters.http.base"] == [
        "prison-api call failed (GET /api/bookings/1, transient, retrying in 0.20s): "
        f"ProxyError (proxy 127.0.0.1:{refusing}) (repeats are counted, one line a minute, until it recovers)"
    ]


def test_a_health_ping_through_a_refusing_proxy_names_the_proxy(
    make_upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /health and its log line name the proxy (password masked), not only "ProxyError".
    refusing = closed_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://user:secret@127.0.0.1:{refusing}")
    client = make_upstream(retries=0)

    assert client.ping_answer().error == f"ProxyError (proxy 127.0.0.1:{refusing})"
