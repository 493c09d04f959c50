"""How `ptpu serve` logs: `LOG_FORMAT=json` one JSON object per line (python-json-logger); `plain` one line
(control and bidi characters escaped) plus indented traceback lines. Both mask URL user-info (as Spring Boot's
actuator sanitises URIs) and write ISO 8601 times with milliseconds and offset."""

from __future__ import annotations

import logging
import re
import sys
from datetime import datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

MASK = "******"
# scheme://  then the user-info: everything up to the last '@' before the host's end ('/', '?', '#', space).
_USER_INFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s?#]*@")


def without_credentials(text: str) -> str:
    """`text` with the user-info of every URL in it replaced by a mask; everything else unchanged.

    >>> without_credentials("https://user:p@ss@auth.example/auth")
    'https://******@auth.example/auth'
    """
    return _USER_INFO.sub(lambda match: f"{match.group(1)}{MASK}@", text)


JSON, PLAIN = "json", "plain"
LOG_FORMATS = (JSON, PLAIN)
PLAIN_FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(threadName)s %(name)s %(message)s"
JSON_NAMES = {"asctime": "timestamp", "levelname": "level", "threadName": "thread", "name": "logger"}
NOISY_LOGGERS = ("botocore", "urllib3", "apscheduler.executors")
TRACEBACK_INDENT = "    "

# C0 and C1 controls, DEL, Unicode line/paragraph separators, and the invisible format characters that can
# reorder or hide text on a terminal (zero-width, bidirectional embeddings, overrides and isolates).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_control(text: str) -> str:
    """`text` with every unsafe character (see _UNSAFE) written as a visible escape; others unchanged."""
    return _UNSAFE.sub(lambda found: _escape(found.group()), text)


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def iso_time(record: logging.LogRecord) -> str:
    """`2026-12-07T15:04:27.685+00:00`, in local time (a container runs in UTC)."""
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class PlainFormatter(logging.Formatter):
    """One physical line per record; a traceback follows on indented lines."""

    def __init__(self) -> None:
        super().__init__(PLAIN_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        return iso_time(record)

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_control(without_credentials(record.getMessage()))
        record.asctime = self.formatTime(record)
        line = self.formatMessage(record)
        blocks = []
        if record.exc_info:
            blocks.append(self.formatException(record.exc_info))
        elif record.exc_text:
            blocks.append(record.exc_text)
        if record.stack_info:
            blocks.append(self.formatStack(record.stack_info))
        for block in blocks:
            for text in block.splitlines():
                line += f"\n{TRACEBACK_INDENT}{escape_control(without_credentials(text))}"
        return line


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, with URL credentials masked in every text value."""

    def __init__(self) -> None:
        super().__init__(JSON_FIELDS, rename_fields=JSON_NAMES)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        return iso_time(record)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: without_credentials(value) if isinstance(value, str) else value for key, value in log_data.items()}


def formatter_for(log_format: str) -> logging.Formatter:
    if log_format == JSON:
        return RedactingJsonFormatter()
    if log_format == PLAIN:
        return PlainFormatter()
    raise ValueError(f"log format '{log_format}' is not one of {', '.join(LOG_FORMATS)}")


def configure_logging(level: str = "INFO", log_format: str = PLAIN) -> None:
    """One stderr handler on the root logger (replacing any) for every logger, uvicorn's included."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter_for(log_format))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
