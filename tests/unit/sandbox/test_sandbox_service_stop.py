"""How long the sandbox lets `ptpu serve` stop before it kills it, and that it says so when it does."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ptpu_sandbox.ports import free_port
from ptpu_sandbox.service_process import ServiceProcess, stop_grace

STUBBORN = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)")


class StubbornService(ServiceProcess):
    """A child that ignores SIGTERM, as a service stuck in its stop would."""

    COMMAND = ("-c", STUBBORN)


@pytest.mark.parametrize(("shutdown_timeout", "grace"), [
    ("10s", 10 + 5 + 5),  # the service's one deadline and its margin; the sandbox's slack
    ("", 30 + 5 + 5),  # the service's default, 30s
    ("31x", 30 + 5 + 5),  # refused by the service at start-up: nothing to wait for beyond the default
])
def test_the_grace_covers_every_step_of_the_services_own_stop(shutdown_timeout: str, grace: float) -> None:
    assert stop_grace({"SHUTDOWN_TIMEOUT": shutdown_timeout}) == grace


def test_a_service_still_running_after_its_grace_is_killed_with_one_line_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    log = tmp_path / "service.log"
    service = StubbornService({}, free_port(), log_path=log)
    deadline = time.monotonic() + 30
    while "ready" not in service.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.stop_grace == 40  # the env names no SHUTDOWN_TIMEOUT

    assert service.stop(timeout=0.5) == -9
    assert not service.running
    assert capsys.readouterr().err == "ptpu serve had not stopped 0.5s after SIGTERM: killing it (SIGKILL)\n"
