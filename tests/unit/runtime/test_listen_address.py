"""SERVER_ADDRESS: the HTTP server binds the configured interface; the sandbox binds loopback."""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace

import attrs
import pytest
from opentelemetry.trace import NoOpTracer

from ptpu_runtime.cli import Service
from ptpu_runtime.config import Settings
from ptpu_runtime.tracing import Tracing
from ptpu_sandbox.ports import free_port
from ptpu_sandbox.stack import LocalStack


def settings() -> Settings:
    return Settings(oauth_endpoint_url="http://auth", oauth_client_id="id", oauth_client_secret="secret",
                    prison_endpoint_url="http://prison", community_endpoint_url="http://community",
                    offender_search_endpoint_url="http://search", dynamodb_table_name="t", schedule_table_name="s")


class IdleListener:
    def start(self) -> None: ...

    def stop(self, timeout_seconds: float | None = None) -> bool:
        return True


class QuietContainer:
    def __init__(self) -> None:
        from starlette.applications import Starlette

        self.the_app = Starlette()

    def aws_preflight(self) -> None: ...

    def listener(self) -> IdleListener:
        return IdleListener()

    def scheduler(self) -> SimpleNamespace:
        return SimpleNamespace(start=lambda: None, shutdown=lambda wait=True: None)

    def app(self):
        return self.the_app

    def tracing(self) -> Tracing:
        return Tracing(NoOpTracer())  # tracing off, as with no exporter configured


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def serve_on(address: str) -> tuple[Service, threading.Thread, int]:
    port = free_port()
    service = Service(attrs.evolve(settings(), server_port=port, server_address=address), QuietContainer())  # type: ignore[arg-type]
    thread = threading.Thread(target=service.run, daemon=True)  # off the main thread: no signal handlers
    thread.start()
    for _ in range(100):
        if answers("127.0.0.1", port):
            break
        threading.Event().wait(0.05)
    return service, thread, port


@pytest.mark.parametrize(("address", "other_loopback_answers"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_the_http_server_listens_only_where_server_address_says(address, other_loopback_answers):
    # 127.0.0.2 is this machine too, but not the 127.0.0.1 interface: only an all-interfaces bind answers there.
    service, thread, port = serve_on(address)
    try:
        assert answers("127.0.0.1", port)
        assert answers("127.0.0.2", port) is other_loopback_answers
    finally:
        service.stop_requested.set()
        thread.join(timeout=30)


def test_the_sandbox_runs_the_service_on_loopback_only():
    stack = LocalStack(
        emulator=SimpleNamespace(region="eu-west-2", endpoint_url="http://127.0.0.1:1", clients=lambda: None),
        hmpps=SimpleNamespace(auth_url="http://a", prison_url="http://p", community_url="http://c",
                              search_url="http://s"),
        resources=SimpleNamespace(), names=SimpleNamespace(queue="q", dlq="d", topic="t", message_table="m",
                                                           schedule_table="s"),
        service_port=8080, settings_env={},
    )  # type: ignore[arg-type]
    assert stack.service_env()["SERVER_ADDRESS"] == "127.0.0.1"
