"""A failure repeating every second logs its first with its traceback, then a count a minute, then one
line on recovery (`success`) or quiet (`clear_if_quiet`). Time is the caller's `clock`, in seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

REPORT_INTERVAL_SECONDS = 60.0


class OutageLog:
    """One activity: failure() in its except block, success() after it works. Thread-safe."""

    def __init__(self, logger: logging.Logger, activity: str, clock: Callable[[], float]) -> None:
        self._log = logger
        self._activity = activity
        self._clock = clock
        self._guard = threading.Lock()
        self._failing_since: float | None = None
        self._total = 0
        self._unreported = 0
        self._last_line = 0.0
        self._last_failure = 0.0

    @property
    def failing(self) -> bool:
        return self._failing_since is not None

    def failure(
        self, error: BaseException, about: str = "", level: int = logging.ERROR, traceback: bool = True
    ) -> None:
        """Logged if it starts an outage (`about` added), else counted."""
        with self._guard:
            now = self._clock()
            self._last_failure = now
            if self._failing_since is None:
                self._failing_since, self._total, self._unreported, self._last_line = now, 1, 0, now
                self._log.log(level, "%s failed%s: %s (repeats are counted, one line a minute, until it recovers)",
                              self._activity, f" ({about})" if about else "", error,
                              exc_info=error if traceback else None)
                return
            self._total += 1
            self._unreported += 1
            if now - self._last_line >= REPORT_INTERVAL_SECONDS:
                self._log.log(level, "%s still failing: %d more failures in the last %.0fs (%d in %.0fs); last: %s",
                              self._activity, self._unreported, now - self._last_line, self._total,
                              now - self._failing_since, _one_line(error))
                self._unreported, self._last_line = 0, now

    def success(self) -> None:
        """The activity worked: if an outage was on, log its end (one line) and forget it."""
        with self._guard:
            if self._failing_since is not None:
                self._end(" recovered", self._clock() - self._failing_since)

    def clear_if_quiet(self, quiet_seconds: float) -> bool:
        """End the outage (one line) when its last failure is `quiet_seconds` or more ago; True if it ended."""
        with self._guard:
            if self._failing_since is None or self._clock() - self._last_failure < quiet_seconds:
                return False
            quiet = self._clock() - self._last_failure
            self._end(f": no failure for {quiet:.0f}s,", self._last_failure - self._failing_since)
            return True

    def _end(self, how: str, seconds: float) -> None:
        """Log the outage's end (`how`, its failures, over how many `seconds`) and forget it."""
        self._log.warning("%s%s after %d failures over %.0fs", self._activity, how, self._total, seconds)
        self._failing_since = None
        self._total = self._unreported = 0


def _one_line(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())
