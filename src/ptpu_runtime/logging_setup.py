"""How `ptpu serve` logs (LOG_FORMAT json or plain): both mask URL user-info (as Spring Boot's actuator sanitises
URIs) and write ISO 8601 times with milliseconds and offset; the trace exporters' repeated lines are throttled."""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

MASK = "******"
# scheme://  then the user-info: everything up to the last '@' before the host's end ('/', '?', '#', space).
_USER_INFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s?#]*@")


def without_credentials(text: str) -> str:
    """`text` with the user-info of every URL in it masked: `https://******@auth.example/auth`."""
    return _USER_INFO.sub(lambda match: f"{match.group(1)}{MASK}@", text)


JSON, PLAIN = "json", "plain"
PLAIN_FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(threadName)s %(name)s %(message)s"
JSON_NAMES = {"asctime": "timestamp", "levelname": "level", "threadName": "thread", "name": "logger"}
NOISY_LOGGERS = ("botocore", "urllib3", "apscheduler.executors")
EXPORTER_LOGGERS = ("opentelemetry.", "azure.")  # the trace exporters', throttled
AZURE_HTTP_POLICY = "azure.core.pipeline.policies.http_logging_policy"
INTERVAL_SECONDS = 60.0
TRACEBACK_INDENT = "    "

# Controls, DEL, line/paragraph separators, and the invisible characters that can reorder or hide text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def escape_control(text: str) -> str:
    """`text` with every unsafe character (see _UNSAFE) written as Python's escape (`\\n`, `\\x1b`, `\\u2028`)."""
    return _UNSAFE.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


class IsoTime(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        """`2026-12-07T15:04:27.685+00:00`, in local time (a container runs in UTC)."""
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class PlainFormatter(IsoTime):
    """One physical line per record; a traceback follows on indented lines."""

    def __init__(self) -> None:
        super().__init__(PLAIN_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_control(without_credentials(record.getMessage()))
        record.asctime = self.formatTime(record)
        blocks = [self.formatException(record.exc_info) if record.exc_info else record.exc_text or "",
                  self.formatStack(record.stack_info) if record.stack_info else ""]
        lines = [escape_control(without_credentials(text)) for block in blocks for text in block.splitlines()]
        return "\n".join([self.formatMessage(record), *(TRACEBACK_INDENT + text for text in lines)])


class RedactingJsonFormatter(IsoTime, JsonFormatter):
    """python-json-logger's formatter, with URL credentials masked in every text value."""

    def __init__(self) -> None:
        super().__init__(JSON_FIELDS, rename_fields=JSON_NAMES)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: without_credentials(value) if isinstance(value, str) else value for key, value in log_data.items()}


class ThrottleExporterLogs(logging.Filter):
    """Per logger under EXPORTER_LOGGERS, the first record, then one per INTERVAL_SECONDS with the count held back:
    an unreachable collector is a line a minute, not four per batch."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._guard = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(EXPORTER_LOGGERS):
            return True
        if record.name == AZURE_HTTP_POLICY and record.levelno < logging.WARNING:
            return False
        with self._guard:
            now = self._clock()
            last = self._last.get(record.name)
            if last is not None and now - last < INTERVAL_SECONDS:
                self._held[record.name] = self._held.get(record.name, 0) + 1
                return False
            held = self._held.pop(record.name, 0)
            self._last[record.name] = now
        if held:
            record.msg = f"{record.getMessage()} ({held} more like this in the last minute, not shown)"
            record.args = None
        return True


def formatter_for(log_format: str) -> logging.Formatter:
    """Raises KeyError for a format other than json or plain (the setting allows only those)."""
    return {JSON: RedactingJsonFormatter, PLAIN: PlainFormatter}[log_format]()


def configure_logging(level: str = "INFO", log_format: str = PLAIN) -> None:
    """One stderr handler on the root logger (replacing any) for every logger, uvicorn's included."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter_for(log_format))
    handler.addFilter(ThrottleExporterLogs())
    logging.basicConfig(handlers=[handler], level=level, force=True)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
