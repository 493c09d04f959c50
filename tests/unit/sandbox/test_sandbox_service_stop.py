"""How long the sandbox lets `ptpu serve` stop before it kills it, that it says so when it does, that the stack
passes the service's exit code on, and that a stop signal cannot cut the sandbox's clean-up short."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from ptpu_sandbox.commands import StopSignals
from ptpu_sandbox.ports import free_port
from ptpu_sandbox.service_process import ServiceProcess, stop_grace
from ptpu_sandbox.stack import LocalStack

STUBBORN = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)")


class StubbornService(ServiceProcess):
    """A child that ignores SIGTERM, as a service stuck in its stop would."""

    COMMAND = ("-c", STUBBORN)


UNFINISHED = ("import signal, sys, time; signal.signal(signal.SIGTERM, lambda *_: sys.exit(1)); "
              "print('ready', flush=True); time.sleep(60)")


class UnfinishedService(ServiceProcess):
    """A child that exits 1 on SIGTERM, as `ptpu serve` does when its stop leaves work unfinished."""

    COMMAND = ("-c", UNFINISHED)


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
    _wait_until_ready(service)
    assert service.stop_grace == 40  # the env names no SHUTDOWN_TIMEOUT

    assert service.stop(timeout=0.5) == -9
    assert not service.running
    assert capsys.readouterr().err == "ptpu serve had not stopped 0.5s after SIGTERM: killing it (SIGKILL)\n"


def test_the_stacks_stop_returns_the_services_exit_code(tmp_path: Path) -> None:
    stopped: list[str] = []
    stack = LocalStack(
        emulator=SimpleNamespace(clients=lambda: None, stop=lambda: stopped.append("emulator")),  # type: ignore[arg-type]
        hmpps=SimpleNamespace(stop=lambda: stopped.append("simulators")),  # type: ignore[arg-type]
        resources=None, names=None, service_port=0, settings_env={},  # type: ignore[arg-type]
    )
    assert stack.stop() is None  # no service started
    stack.service = UnfinishedService({}, free_port(), log_path=tmp_path / "service.log")
    _wait_until_ready(stack.service)

    assert stack.stop() == 1
    assert stopped == ["simulators", "emulator"] * 2


@pytest.fixture
def stop_signal_handlers() -> Iterator[None]:
    """SIGINT and SIGTERM as they were before the test."""
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("stop_signal_handlers")
def test_the_first_stop_signal_interrupts_and_every_later_one_is_ignored() -> None:
    signals = StopSignals()
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGTERM)

    assert signals.stopping
    signal.raise_signal(signal.SIGTERM)  # as `kill -TERM -- -PGID` of `make run` sends a second one
    signal.raise_signal(signal.SIGINT)


@pytest.mark.usefixtures("stop_signal_handlers")
def test_a_first_stop_signal_once_the_clean_up_has_begun_does_not_interrupt_it() -> None:
    signals = StopSignals()
    signals.stopping = True  # what run_sandbox's `finally` does first

    signal.raise_signal(signal.SIGINT)
    signal.raise_signal(signal.SIGTERM)


def _wait_until_ready(service: ServiceProcess) -> None:
    deadline = time.monotonic() + 30
    while "ready" not in service.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
