"""`ptpu serve` as a child process: started in its own process group, waited for, stopped for sure.

Its own process group (a new session) so that Ctrl-C in the terminal reaches only the sandbox, which
then stops the service in order, and so that stopping kills anything the service itself started.
Bound to this process (lifeline.py): if this process dies without stopping it (SIGKILL), the kernel
kills the service too, so no orphan keeps the port.
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
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, cast

import attrs
import requests

from ptpu_runtime.cli import STOP_MARGIN_SECONDS
from ptpu_runtime.config import Settings
from ptpu_runtime.config_kinds import parse_duration
from ptpu_sandbox.lifeline import bound_to_this_process

TELEMETRY_LOGGER = "ptpu.telemetry"
# A whole plain record of the telemetry logger: time, level, [thread], logger, then the event's JSON.
_PLAIN_TELEMETRY = re.compile(
    r"^\S+ (?:\S+ )?(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) \[[^\]]*\] ptpu\.telemetry: (\{.*\})$"
)  # time: ISO 8601 (one word), or logging's default (two)


SLACK_SECONDS = 5  # beyond the service's own bound, on a busy machine
DEFAULT_SHUTDOWN_TIMEOUT = cast(timedelta, attrs.fields(Settings).shutdown_timeout.default)


class ServiceFailedToStart(RuntimeError):
    pass


def stop_grace(env: Mapping[str, str]) -> float:
    """Seconds `ptpu serve` may take to stop after SIGTERM: its own bound (cli.Service: one SHUTDOWN_TIMEOUT for
    the listener, scheduler, re-syncs and workers, then STOP_MARGIN_SECONDS for the trace flush and the exit), plus
    SLACK_SECONDS.
    SHUTDOWN_TIMEOUT unset, empty or malformed (the service then refuses to start): its default."""
    try:
        bound = parse_duration(env.get("SHUTDOWN_TIMEOUT", "").strip())
    except ValueError:
        bound = DEFAULT_SHUTDOWN_TIMEOUT
    return bound.total_seconds() + STOP_MARGIN_SECONDS + SLACK_SECONDS


class ServiceProcess:
    COMMAND = ("-m", "ptpu_runtime", "serve")  # run by this Python

    def __init__(self, env: Mapping[str, str], port: int, log_path: Path | None = None) -> None:
        """`log_path`: where the service's stdout and stderr go (None: this process's own stdout)."""
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.stop_grace = stop_grace(env)
        self._log: IO[bytes] | None = open(log_path, "ab") if log_path is not None else None  # noqa: SIM115
        self._process = subprocess.Popen(
            bound_to_this_process([sys.executable, *self.COMMAND]),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log is not None else None,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._process.poll()

    def wait_until_up(self, timeout: float = 60.0) -> None:
        """Return once /health/ping answers; ServiceFailedToStart if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise ServiceFailedToStart(
                    f"ptpu serve exited with {self.returncode} before it was up{self._log_tail()}"
                )
            try:
                if requests.get(f"{self.url}/health/ping", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise ServiceFailedToStart(f"ptpu serve was not up within {timeout:.0f}s{self._log_tail()}")

    def stop(self, timeout: float | None = None) -> int:
        """One SIGTERM to the whole group (the graceful stop); if it has not ended after `timeout` seconds
        (default `stop_grace`), SIGKILL, saying so in one line on stderr. Returns the exit code."""
        if self.running:
            grace = self.stop_grace if timeout is None else timeout
            self._signal_group(signal.SIGTERM)
            try:
                self._process.wait(grace)
            except subprocess.TimeoutExpired:
                print(f"ptpu serve had not stopped {grace:g}s after SIGTERM: killing it (SIGKILL)",
                      file=sys.stderr, flush=True)
                self._signal_group(signal.SIGKILL)
                self._process.wait(5)
        # The group may outlive its leader only if the service started helpers; make sure it does not.
        self._signal_group(signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None
        return int(self._process.returncode)

    def kill(self) -> None:
        """SIGKILL to the whole group: a crash, as when a pod is OOM-killed; no clean-up of any kind."""
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(10)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path is not None else ""

    def telemetry(self) -> list[dict[str, Any]]:
        """The telemetry events logged so far, oldest first: [{"event": name, "attributes": {...}}]."""
        return telemetry_events(self.log_text())

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    def _log_tail(self, lines: int = 30) -> str:
        text = self.log_text()
        if not text:
            return ""
        return "; last lines of its log:\n" + "\n".join(text.splitlines()[-lines:])


def telemetry_events(log_text: str) -> list[dict[str, Any]]:
    """Telemetry events in a service log: records of logger `ptpu.telemetry` carrying one JSON object,
    whether the record is plain text ("<time> INFO [thread] ptpu.telemetry: {json}") or itself JSON
    (LOG_FORMAT=json, logger "ptpu.telemetry"). Text that merely contains the marker is not an event."""
    events = []
    for line in log_text.splitlines():
        event = _event_in(line)
        if event is not None:
            events.append(event)
    return events


def _event_in(line: str) -> dict[str, Any] | None:
    plain = _PLAIN_TELEMETRY.match(line)
    if plain is not None:
        return _event(plain.group(1))
    record = _json_object(line)
    if record is None:
        return None
    if record.get("logger") == TELEMETRY_LOGGER and isinstance(record.get("message"), str):
        return _event(record["message"])  # a JSON log record whose message is the telemetry JSON
    return None


def _event(text: str) -> dict[str, Any] | None:
    parsed = _json_object(text)
    return parsed if parsed is not None and isinstance(parsed.get("event"), str) else None


def _json_object(text: str) -> dict[str, Any] | None:
    if not text.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
