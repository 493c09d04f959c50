"""The core's OutageLog (`ptpu_core.work.outage_log`) timed by time.monotonic unless a clock is given."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ptpu_core.work import outage_log
from ptpu_core.work.outage_log import REPORT_INTERVAL_SECONDS


class OutageLog(outage_log.OutageLog):
    """See `ptpu_core.work.outage_log.OutageLog`; `clock` returns seconds (default time.monotonic)."""

    def __init__(
        self, logger: logging.Logger, activity: str, interval_seconds: float = REPORT_INTERVAL_SECONDS,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(logger, activity, clock or time.monotonic, interval_seconds)
