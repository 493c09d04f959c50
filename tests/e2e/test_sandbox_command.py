"""`ptpu sandbox` as a user runs it (`make run`): the demo's table and exit code, and a clean Ctrl-C.

Free ports throughout (`--port-base 0`), so these tests never depend on 8080 or 4566 being free.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from ptpu_sandbox.ports import is_free
from ptpu_sandbox.simulators import SCENARIOS

SANDBOX = [sys.executable, "-m", "ptpu_runtime", "sandbox", "--port-base", "0"]
URL_PORT = re.compile(r"http://(?:localhost|127\.0\.0\.1):(\d+)")
SERVICE_URL = re.compile(r"^  service +(\S+)$", re.MULTILINE)


def test_the_demo_shows_every_scenario_reaching_its_expected_state(tmp_path: Path) -> None:
    demo = subprocess.run(
        [*SANDBOX, "--demo", "--hold-back", "1s", "--log-file", str(tmp_path / "service.log")],
        capture_output=True, text=True, timeout=120,
    )

    assert demo.returncode == 0, demo.stdout + demo.stderr
    rows = {line.split()[1]: line for line in demo.stdout.splitlines() if line.startswith(("ok  ", "FAIL"))}
    assert set(rows) == set(SCENARIOS)
    for name, scenario in SCENARIOS.items():
        assert rows[name].split()[:5] == ["ok", name, scenario.events[0].event_type,
                                          str(scenario.booking_id), scenario.expected_state]
    assert "X142620: nomsNumber - -> A5089DY, bookNumber - -> 38339A" in demo.stdout
    assert "X200007: nomsNumber A9996DY -> A5096DY" in demo.stdout
    assert f"All {len(SCENARIOS)} events reached their expected state." in demo.stdout
    # After the table, the HMPPS domain events each scenario published.
    section = demo.stdout.split("HMPPS domain events published: ", 1)[1].splitlines()
    assert section[0] == "2"
    announced = {line.split()[0]: line.split(None, 1)[1] for line in section[1:] if line.startswith("  ")}
    assert announced["new-conviction"] == (
        "probation-case.prison-identifier.added: CRN X142620, NOMS A5089DY, bookingNumber 38339A"
    )
    assert announced["merge"] == (
        "probation-case.prison-identifier.updated: CRN X200007, NOMS A5096DY, bookingNumber 38346A, "
        "previousNomsNumber A9996DY"
    )
    assert announced["already-linked"] == announced["transfer"] == "none"


def test_the_demo_exits_1_when_outcomes_are_not_reached(tmp_path: Path) -> None:
    # A hold-back longer than the wait: nothing can be processed in time.
    demo = subprocess.run(
        [*SANDBOX, "--demo", "--hold-back", "60s", "--timeout", "0", "--log-file", str(tmp_path / "service.log")],
        capture_output=True, text=True, timeout=120,
    )

    assert demo.returncode == 1, demo.stdout + demo.stderr
    assert re.search(r"^FAIL\s+new-conviction\s.*PENDING \(expected COMPLETED\)", demo.stdout, re.MULTILINE)
    assert "did not reach their expected state" in demo.stdout


def test_ctrl_c_stops_every_process_and_frees_every_port(tmp_path: Path) -> None:
    sandbox, output = _start_sandbox(tmp_path, sigint=signal.SIG_DFL)
    children: list[int] = []
    try:
        banner = _wait_for_banner(output, sandbox)
        ports = {int(port) for port in URL_PORT.findall(banner)}
        assert "  mode             LIVE: writes to (simulated) Delius\n" in banner  # read from the service's /info
        children = _descendants(sandbox.pid)
        assert any("ptpu_runtime serve" in _command_line(pid) for pid in children)
        assert len(ports) == 6  # service, emulator and the four simulators
        assert not any(is_free(port) for port in ports)

        sandbox.send_signal(signal.SIGINT)
        assert sandbox.wait(timeout=60) == 0
    finally:
        _kill_tree(sandbox, children)

    assert [pid for pid in children if _alive(pid)] == []
    assert [port for port in ports if not is_free(port)] == []
    assert "Stopped." in output.read_text()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_started_with_sigint_ignored_the_sandbox_still_stops_in_order(tmp_path: Path, stop: signal.Signals) -> None:
    # `make run &` from a script starts the sandbox with SIGINT ignored; it must handle both signals itself.
    sandbox, output = _start_sandbox(tmp_path, sigint=signal.SIG_IGN)
    children: list[int] = []
    try:
        ports = {int(port) for port in URL_PORT.findall(_wait_for_banner(output, sandbox))}
        children = _descendants(sandbox.pid)

        sandbox.send_signal(stop)
        assert sandbox.wait(timeout=60) == 0
    finally:
        _kill_tree(sandbox, children)

    assert "Stopped." in output.read_text()
    assert [pid for pid in children if _alive(pid)] == []
    assert [port for port in ports if not is_free(port)] == []


@pytest.mark.parametrize("signals", [
    (signal.SIGTERM, signal.SIGTERM), (signal.SIGTERM, signal.SIGINT), (signal.SIGINT, signal.SIGTERM),
], ids=["term-term", "term-int", "int-term"])
def test_signals_during_the_stop_do_not_cut_it_short(tmp_path: Path, signals: tuple[signal.Signals, ...]) -> None:
    # `kill -TERM -- -<pgid of make>` reaches the sandbox twice: from the group and from make passing it on.
    sandbox, output = _start_sandbox(tmp_path, sigint=signal.SIG_DFL)
    children: list[int] = []
    try:
        ports = {int(port) for port in URL_PORT.findall(_wait_for_banner(output, sandbox))}
        children = _descendants(sandbox.pid)
        first, *later = signals
        sandbox.send_signal(first)
        while "Stopping the service" not in output.read_text() and sandbox.poll() is None:
            time.sleep(0.01)
        for signum in later * 5:  # more while the service drains
            sandbox.send_signal(signum)
            time.sleep(0.05)
        assert sandbox.wait(timeout=60) == 0, output.read_text()
    finally:
        _kill_tree(sandbox, children)

    printed, service_log = output.read_text(), (tmp_path / "service.log").read_text()
    assert "Traceback" not in printed
    assert printed.endswith("Stopped.\n")
    assert service_log.count("Stop requested: finishing work in hand") == 1
    assert "Stopped cleanly" in service_log
    assert [pid for pid in children if _alive(pid)] == []
    assert [port for port in ports if not is_free(port)] == []


def test_a_service_that_stops_badly_makes_the_sandbox_exit_1_saying_so(tmp_path: Path) -> None:
    # A 1 ms SHUTDOWN_TIMEOUT: the listener's long poll is still in hand, so `ptpu serve` exits 1.
    sandbox, output = _start_sandbox(tmp_path, sigint=signal.SIG_DFL, env={"SHUTDOWN_TIMEOUT": "1ms"})
    children: list[int] = []
    try:
        _wait_for_banner(output, sandbox)
        children = _descendants(sandbox.pid)
        sandbox.send_signal(signal.SIGTERM)
        assert sandbox.wait(timeout=60) == 1, output.read_text()
    finally:
        _kill_tree(sandbox, children)

    service_log = tmp_path / "service.log"
    assert "Stopped with work left unfinished after SHUTDOWN_TIMEOUT" in service_log.read_text()
    assert output.read_text().endswith(
        f"Stopped.\nptpu serve stopped with exit code 1: see its log in {service_log}\n")


def test_the_shells_settings_win_over_the_sandboxs_defaults_and_the_banner_says_so(tmp_path: Path) -> None:
    shell = {"PRISONTOPROBATION_HOLD_BACK_DURATION": "7s", "PRISONTOPROBATION_ONLY_PRISONS": "XYZ"}
    sandbox, output = _start_sandbox(tmp_path, sigint=signal.SIG_DFL, env=shell)
    children: list[int] = []
    try:
        banner = _wait_for_banner(output, sandbox)
        children = _descendants(sandbox.pid)
        sandbox.send_signal(signal.SIGTERM)
        assert sandbox.wait(timeout=60) == 0
    finally:
        _kill_tree(sandbox, children)

    assert "Records are processed 7s after they arrive." in banner
    assert "  from your shell  PRISONTOPROBATION_HOLD_BACK_DURATION=7s (sandbox default 3s)\n" in banner
    assert "  from your shell  PRISONTOPROBATION_ONLY_PRISONS=XYZ (sandbox default empty: every prison)\n" in banner
    # read back from the service's GET /info: what it really runs with
    mode = "LIVE: writes to (simulated) Delius; only prisons XYZ (events from others are ignored)"
    assert f"  mode             {mode}\n" in banner


def test_an_invalid_setting_in_the_shell_stops_the_sandbox_with_the_services_complaint(tmp_path: Path) -> None:
    sandbox = subprocess.run(
        [*SANDBOX, "--log-file", str(tmp_path / "service.log")], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PRISONTOPROBATION_HOLD_BACK_DURATION": "31d"},
    )

    assert sandbox.returncode == 1, sandbox.stdout + sandbox.stderr
    assert "ptpu serve exited with 2 before it was up" in sandbox.stderr
    assert "Configuration error: PRISONTOPROBATION_HOLD_BACK_DURATION" in sandbox.stderr
    assert "Traceback" not in sandbox.stdout + sandbox.stderr
    assert "Stopped." in sandbox.stdout


def test_sigkill_of_the_sandbox_leaves_no_process_and_frees_every_port_within_5_seconds(tmp_path: Path) -> None:
    sandbox, output = _start_sandbox(tmp_path, sigint=signal.SIG_DFL)
    children: list[int] = []
    try:
        ports = {int(port) for port in URL_PORT.findall(_wait_for_banner(output, sandbox))}
        children = _descendants(sandbox.pid)
        assert any("ptpu_runtime serve" in _command_line(pid) for pid in children)
        assert len(ports) == 6

        sandbox.send_signal(signal.SIGKILL)  # no clean-up of any kind runs in the sandbox
        sandbox.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (
            any(_alive(pid) for pid in children) or not all(is_free(port) for port in ports)
        ):
            time.sleep(0.1)
        survivors = [(pid, _command_line(pid)) for pid in children if _alive(pid)]
        taken = [port for port in ports if not is_free(port)]
    finally:
        _kill_tree(sandbox, children)

    assert survivors == []
    assert taken == []


def test_processing_switched_off_is_stated_on_the_banner_health_and_prometheus(tmp_path: Path) -> None:
    # PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false make run, as an operator ran it.
    env = {"PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED": "false"}
    sandbox, output = _start_sandbox(tmp_path, sigint=signal.SIG_DFL, env=env)
    children: list[int] = []
    try:
        banner = _wait_for_banner(output, sandbox)
        children = _descendants(sandbox.pid)
        assert "Records are stored, not processed (PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false)." in banner
        assert "  mode             LIVE: writes to (simulated) Delius; processing OFF (" in banner
        service = SERVICE_URL.search(banner).group(1)  # type: ignore[union-attr]
        with urlopen(f"{service}/health", timeout=30) as answer:  # noqa: S310 - the sandbox's loopback URL
            components = json.load(answer)["components"]
        with urlopen(f"{service}/prometheus", timeout=30) as answer:  # noqa: S310
            metrics = answer.read().decode()
    finally:
        _kill_tree(sandbox, children)

    assert components["healthInfo"]["details"]["messageProcessorEnabled"] is False
    assert components["scheduler"]["details"]["state"].startswith("processing switched off")
    assert "\nptpu_message_processor_enabled 0.0\n" in metrics


def _start_sandbox(
    tmp_path: Path, sigint: signal.Handlers, env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], Path]:
    """`ptpu sandbox` on free ports with SIGINT set to `sigint` in the child (whatever this runner has) and
    `env` added to this runner's environment."""
    output = tmp_path / "sandbox.out"
    with output.open("w") as out:
        sandbox = subprocess.Popen(
            [*SANDBOX, "--log-file", str(tmp_path / "service.log")], stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            preexec_fn=lambda: signal.signal(signal.SIGINT, sigint),  # noqa: PLW1509 - no threads here
        )
    return sandbox, output


def _kill_tree(process: subprocess.Popen[bytes], children: list[int]) -> None:
    """Clean-up whatever happened: SIGKILL the process and every descendant seen, then reap the process."""
    for pid in [*children, *_descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def _wait_for_banner(output: Path, process: subprocess.Popen[bytes], timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = output.read_text()
        if "ptpu sandbox is up" in text and "Publish the seeded" in text:
            return text
        assert process.poll() is None, f"ptpu sandbox exited early:\n{text}"
        time.sleep(0.2)
    raise AssertionError(f"ptpu sandbox was not up within {timeout}s:\n{output.read_text()}")


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (ProcessLookupError, OSError):
        return False
    return state != "Z"
