"""A child started through ptpu_sandbox.lifeline dies with its parent, however the parent dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ptpu_sandbox.lifeline import EXIT_PARENT_GONE, EXIT_USAGE, main

# A parent that starts `sleep 600` bound to itself, prints the child's PID, then waits to be killed.
PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    from ptpu_sandbox.lifeline import bound_to_this_process
    child = subprocess.Popen(bound_to_this_process(["sleep", "600"]))
    time.sleep(0.5)  # long enough for the guard to exec `sleep`
    print(child.pid, flush=True)
    time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_child_is_killed_within_5_seconds_of_its_parent_being_sigkilled() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    child_pid = 0
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert _alive(child_pid)
        assert Path(f"/proc/{child_pid}/cmdline").read_bytes().split(b"\0")[:2] == [b"sleep", b"600"]  # exec'd

        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        deadline = time.monotonic() + 5
        while _alive(child_pid) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert not _alive(child_pid)
    finally:
        parent.kill()
        if child_pid and _alive(child_pid):
            os.kill(child_pid, signal.SIGKILL)


def test_a_child_whose_parent_is_already_gone_does_not_start(tmp_path: Path) -> None:
    # A PARENT_PID that is not the guard's parent (as after re-parenting): refuse rather than run unguarded.
    # In a subprocess: arming the guard in the test runner itself would bind it to its own parent.
    marker = tmp_path / "ran"
    guard = subprocess.run(
        [sys.executable, "-m", "ptpu_sandbox.lifeline", "4194304", "--", "touch", str(marker)], timeout=30
    )
    assert guard.returncode == EXIT_PARENT_GONE
    assert not marker.exists()


def test_a_malformed_command_line_is_a_usage_error() -> None:
    assert main(["not-a-pid", "--", "true"]) == EXIT_USAGE
    assert main(["123", "true"]) == EXIT_USAGE
