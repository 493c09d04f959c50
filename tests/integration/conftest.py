"""Integration fixtures shared by every folder under tests/integration (pytest finds them here, so the
folders' own conftests and tests define none of them again):

- `aws_emulator`: one AWS emulator (moto server on a free loopback port, quiet logs) per session;
- `aws_clients`: boto3 clients on that emulator;
- `make_httpserver`: the pytest-httpserver stub behind the `httpserver` fixture, on 127.0.0.1 only;
- `hmpps`: one simulated HMPPS cluster (Auth, prison-api, offender search, community-api) per test module.

Each is stopped when its scope ends, so no server outlives the session.
"""

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from ptpu_adapters.aws.clients import AwsClients
from ptpu_sandbox.emulator import MotoEmulator, moto_emulator_session
from ptpu_sandbox.simulators import SimulatedHmpps


@pytest.fixture(scope="session")
def aws_emulator() -> Iterator[MotoEmulator]:
    yield from moto_emulator_session()


@pytest.fixture(scope="session")
def aws_clients(aws_emulator: MotoEmulator) -> AwsClients:
    return aws_emulator.clients()


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[HTTPServer]:
    """Replaces pytest-httpserver's own: loopback only (never `localhost`, which may resolve elsewhere), and
    threaded so a deliberately slow handler does not stall the next request."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(scope="module")
def hmpps() -> Iterator[SimulatedHmpps]:
    """A fresh simulated cluster per test module, on free loopback ports; tests that change its data call
    `hmpps.reset()` (tests/integration/simulators does so before every test)."""
    with SimulatedHmpps.start() as cluster:
        yield cluster
