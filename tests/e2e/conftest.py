"""One local stack per test module: moto, the simulated HMPPS systems and `ptpu serve` as a subprocess,
with a short hold-back, a fast processing job and the short retry tier every 2 seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ptpu_sandbox.stack import LocalStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack.start(hold_back="2s", processor_delay_ms=300, short_retry_cron="*/2 * * * * *") as local:
        local.start_service(log_path=tmp_path_factory.mktemp("service") / "service.log")
        yield local


@pytest.fixture(autouse=True)
def fresh_simulators(request: pytest.FixtureRequest) -> None:
    """Each test starts from the seeded Delius, with no logged requests and no faults."""
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").hmpps.reset()
