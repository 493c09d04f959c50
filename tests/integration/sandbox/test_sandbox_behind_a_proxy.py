"""A developer's corporate HTTP(S)_PROXY must not carry the sandbox's loopback calls to the proxy (`ptpu
sandbox` would die in a botocore ProxyConnectionError traceback at its first AWS call)."""

from __future__ import annotations

import socket

import pytest

from ptpu_adapters.aws.clients import LOCALSTACK, make_clients
from ptpu_sandbox.commands import bypass_proxies_for_loopback


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_loopback_hosts_are_added_to_no_proxy_keeping_what_is_there():
    env = {"NO_PROXY": "internal.example, .svc", "no_proxy": "localhost"}
    bypass_proxies_for_loopback(env)
    assert env == {"NO_PROXY": "internal.example,.svc,127.0.0.1,localhost", "no_proxy": "localhost,127.0.0.1"}
    bypass_proxies_for_loopback(env)  # twice changes nothing
    assert env["NO_PROXY"] == "internal.example,.svc,127.0.0.1,localhost"


def test_aws_calls_to_the_emulator_bypass_a_proxy_that_refuses(aws_emulator, monkeypatch: pytest.MonkeyPatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    refused = make_clients(LOCALSTACK, "eu-west-2", aws_emulator.endpoint_url).sqs
    with pytest.raises(Exception, match="proxy"):
        refused.list_queues()

    added: dict[str, str] = {}
    bypass_proxies_for_loopback(added)  # what it adds to os.environ, set through monkeypatch to be undone
    for name, value in added.items():
        monkeypatch.setenv(name, value)
    direct = make_clients(LOCALSTACK, "eu-west-2", aws_emulator.endpoint_url).sqs
    assert direct.list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
