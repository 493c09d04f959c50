"""Logging records whose processing failed for a system reason: the first of a kind with its traceback,
then one line a minute with the count, then one line once that kind has stopped failing.

During an upstream outage every record a cycle takes fails the same way; a traceback each (30 lines a
record) buried everything else. A kind is the exception's type, the upstream that failed and its status
class, and where it was raised (two different bugs never hide each other). A kind clears when it has not
failed for a minute, noticed at the next record (any outcome): records give no "it works again" signal of
their own, since one that does not reach the failing upstream succeeds in the middle of its outage.
Each record's outcome still has its own INFO line (`record_outcomes`).
"""

from __future__ import annotations

import logging
import threading
from pathlib import PurePath

from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.record import Message
from ptpu_core.ports import Clock
from ptpu_core.work.outage_log import REPORT_INTERVAL_SECONDS, OutageLog

log = logging.getLogger("ptpu.synchronise")  # the cycle's logger, as the per-record lines


def kind_of(error: BaseException | None) -> tuple[str, str]:
    """(label, where raised): ("UpstreamFailure from community-api (HTTP 5xx)", "base.py:212"); any other
    error's label names where it was raised: ("KeyError at movement.py:40", "movement.py:40")."""
    if error is None:
        return "an unknown error", ""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = f"{PurePath(frame.tb_frame.f_code.co_filename).name}:{frame.tb_lineno}" if frame else ""
    label = type(error).__name__
    if isinstance(error, UpstreamFailure):
        label += f" from {error.service}"
        if error.status is not None:
            label += f" (HTTP {error.status // 100}xx)"
    elif where:
        label += f" at {where}"
    return label, where


class RecordFailures:
    """One OutageLog per kind of failure (see the module docstring). Thread-safe: the processing workers
    share one."""

    def __init__(self, clock: Clock, interval_seconds: float = REPORT_INTERVAL_SECONDS) -> None:
        self._seconds = lambda: clock.now().timestamp()
        self._interval = interval_seconds
        self._guard = threading.Lock()
        self._kinds: dict[tuple[str, str], OutageLog] = {}

    def failed(self, message: Message, error: BaseException | None) -> None:
        """Log (or count) `message`'s processing failure `error`; the record will be retried."""
        self.tick()
        kind = kind_of(error)
        label = kind[0]
        with self._guard:
            outage = self._kinds.get(kind)
            if outage is None:
                activity = f"Processing records ({label})"
                outage = self._kinds[kind] = OutageLog(log, activity, self._seconds, self._interval)
        about = f"booking {message.booking_id}: {message.event_type} message {message.log_ref}; will retry"
        outage.failure(error or RuntimeError("no error given"), about=about)

    def tick(self) -> None:
        """End (one line each) the kinds that have not failed for a minute."""
        with self._guard:
            outages = list(self._kinds.items())
        for kind, outage in outages:
            if outage.clear_if_quiet(self._interval):
                with self._guard:
                    if self._kinds.get(kind) is outage and not outage.failing:
                        del self._kinds[kind]
