"""An AWS emulator (moto in server mode) on a free loopback port, for tests, e2e and the sandbox.

Usage: `with MotoEmulator() as emulator: clients = emulator.clients(); provision(clients, names)`.
Pytest fixtures reuse it through `moto_emulator_fixture` (see tests/integration/conftest.py).

It answers as localstack's account `000000000000`, so the HMPPS scripts written for
localstack (`aws --endpoint-url=http://localhost:4566 sns publish --topic-arn
arn:aws:sns:eu-west-2:000000000000:offender_events ...`) work unchanged. moto reads the account from
the MOTO_ACCOUNT_ID environment variable on every request; one already set is left as it is.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from types import TracebackType

from moto.server import ThreadedMotoServer

from ptpu_adapters.aws.clients import LOCALSTACK, AwsClients, make_clients
from ptpu_adapters.provisioning import AwsResourceNames, ProvisionedResources, provision
from ptpu_sandbox.atomic_moto import AtomicMotoServer

__all__ = ["AwsResourceNames", "MotoEmulator", "ProvisionedResources", "moto_emulator_session", "provision"]

DEFAULT_REGION = "eu-west-2"
LOCALSTACK_ACCOUNT_ID = "000000000000"
MOTO_ACCOUNT_ENV = "MOTO_ACCOUNT_ID"
_NOISY_LOGGERS = ("werkzeug", "moto", "botocore.credentials")


class MotoEmulator:
    def __init__(self, region: str = DEFAULT_REGION, port: int = 0, host: str = "127.0.0.1") -> None:
        self.region = region
        self.port = port  # 0: a free port
        self.host = host
        self._server: ThreadedMotoServer | None = None
        self.endpoint_url = ""

    def start(self) -> MotoEmulator:
        os.environ.setdefault(MOTO_ACCOUNT_ENV, LOCALSTACK_ACCOUNT_ID)  # per process: the server runs in it
        for name in _NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
        if self.port:
            _check_free(self.host, self.port)  # moto's start() would wait forever on a taken port
        # Conditional writes must be atomic per item, as in DynamoDB (locks, booking leases): atomic_moto.py.
        server = AtomicMotoServer(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            wsgi_server = self._server._server  # moto's stop() leaves the listening socket open
            self._server.stop()
            if wsgi_server is not None:
                wsgi_server.server_close()
            self._server = None

    @property
    def account_id(self) -> str:
        """The AWS account the emulator answers as (in every ARN and queue URL it hands out)."""
        return os.environ.get(MOTO_ACCOUNT_ENV, LOCALSTACK_ACCOUNT_ID)

    def clients(self) -> AwsClients:
        return make_clients(LOCALSTACK, self.region, self.endpoint_url)

    def __enter__(self) -> MotoEmulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def _check_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))  # OSError (address in use) when taken


def moto_emulator_session() -> Iterator[MotoEmulator]:
    """Body of a session-scoped pytest fixture: one emulator for the whole run."""
    with MotoEmulator() as emulator:
        yield emulator
