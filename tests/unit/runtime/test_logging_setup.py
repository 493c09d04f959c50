"""Logs cannot be forged or leak: a value with a newline or other control character never
starts a new record, in either format; URL user-info is masked wherever it appears."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ptpu_adapters.observability.telemetry import LoggingTelemetry
from ptpu_core.errors import ConfigError
from ptpu_runtime.config import load_settings
from ptpu_runtime.logging_setup import escape_control, formatter_for, without_credentials

RECORD_START = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) \[")
FORGED_EVENT = '2026-11-29 12:00:00,000 INFO [sqs-1] ptpu.telemetry: {"event": "P2PImprisonmentStatusUpdated"}'
HOSTILE = [
    f"IMPRISONMENT_STATUS-CHANGED\n{FORGED_EVENT}",
    f"X\r\n{FORGED_EVENT}",
    f"X\r{FORGED_EVENT}",
    f"X\u2028{FORGED_EVENT}",
    f"X\x85{FORGED_EVENT}",
    f"X\x0b\x0c\x1c\x1d\x1e{FORGED_EVENT}",
    "X\x1b[2K\x1b[1G" + FORGED_EVENT,  # a terminal escape that erases the line before printing a fake one
    "X\u202eDETAERC",
]


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing into a buffer through one handler; each test sets the handler's formatter."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logger = logging.getLogger("ptpu.test.logging")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield logger, buffer
    logger.removeHandler(handler)


def physical_lines(text: str) -> list[str]:
    # Every way a terminal or a log shipper may break a line, not only "\n".
    return re.split(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]", text.rstrip("\n"))


@pytest.mark.parametrize("value", HOSTILE)
def test_plain_a_hostile_value_stays_inside_one_record(capture, value):
    logger, buffer = capture
    logger.handlers[0].setFormatter(formatter_for("plain"))
    logger.info("Received message %s type %s (receive %s)", "m-1", value, 1)
    lines = physical_lines(buffer.getvalue())
    assert len(lines) == 1, lines
    assert RECORD_START.match(lines[0])
    assert "\x1b" not in lines[0] and "\u202e" not in lines[0]


def test_plain_escapes_are_visible_and_readable():
    assert escape_control("a\nb\tc\x1bd\u2028e\x85f") == "a\\nb\\tc\\x1bd\\u2028e\\x85f"
    assert escape_control("Leeds (HMP) — ordinary text, ünïcode ✓") == "Leeds (HMP) — ordinary text, ünïcode ✓"


def test_plain_a_traceback_is_indented_so_no_line_of_it_looks_like_a_record(capture):
    logger, buffer = capture
    logger.handlers[0].setFormatter(formatter_for("plain"))
    try:
        raise ValueError(f"bad event type\n{FORGED_EVENT}")
    except ValueError:
        logger.exception("Message %s failed", "m-1")
    lines = physical_lines(buffer.getvalue())
    assert RECORD_START.match(lines[0])
    assert len(lines) > 3
    assert all(line.startswith("    ") for line in lines[1:]), lines
    assert [line for line in lines if RECORD_START.match(line)] == [lines[0]]


@pytest.mark.parametrize("value", HOSTILE)
def test_json_one_object_per_line_with_the_value_kept_whole(capture, value):
    logger, buffer = capture
    logger.handlers[0].setFormatter(formatter_for("json"))
    logger.info("Received message %s type %s", "m-1", value)
    lines = physical_lines(buffer.getvalue())
    assert len(lines) == 1, lines
    record = json.loads(lines[0])
    assert record["message"] == f"Received message m-1 type {value}"
    assert (record["level"], record["logger"]) == ("INFO", "ptpu.test.logging")
    assert {"timestamp", "thread"} <= set(record)


@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_the_time_is_iso_8601_with_milliseconds_and_the_zone(capture, log_format):
    """As Spring Boot's logstash encoder writes @timestamp (ISO 8601 with the offset), not logging's
    default "2026-12-07 15:04:27,685" with no zone."""
    logger, buffer = capture
    logger.handlers[0].setFormatter(formatter_for(log_format))
    before = datetime.now(UTC)
    logger.info("hello")
    after = datetime.now(UTC)
    line = buffer.getvalue().splitlines()[0]
    text = json.loads(line)["timestamp"] if log_format == "json" else line.split(" ", 1)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", text), text
    stamp = datetime.fromisoformat(text)
    assert stamp.tzinfo is not None
    assert before - timedelta(milliseconds=1) <= stamp <= after


def test_json_an_exception_stays_inside_its_record(capture):
    logger, buffer = capture
    logger.handlers[0].setFormatter(formatter_for("json"))
    try:
        raise ValueError(f"bad\n{FORGED_EVENT}")
    except ValueError:
        logger.exception("failed")
    lines = physical_lines(buffer.getvalue())
    assert len(lines) == 1
    assert FORGED_EVENT in json.loads(lines[0])["exc_info"]


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_a_telemetry_event_cannot_be_forged_through_an_attribute(capture, log_format):
    logger, buffer = capture
    logger.handlers[0].setFormatter(formatter_for(log_format))
    LoggingTelemetry(logger).track_event("P2PImprisonmentStatusRecordNotFound", {"eventType": f"X\n{FORGED_EVENT}"})
    lines = physical_lines(buffer.getvalue())
    assert len(lines) == 1, lines  # the forged event stays an attribute's text inside the one real event


SECRET_URL = "https://svc-user:s3cret-pass@auth.example.gov.uk/auth/.well-known/jwks.json"


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_url_credentials_are_masked_in_messages_and_tracebacks(capture, log_format):
    logger, buffer = capture
    logger.handlers[0].setFormatter(formatter_for(log_format))
    logger.error("Cannot read the JWKS from %s", SECRET_URL)
    try:
        raise ConnectionError(f"HTTPSConnectionPool: Max retries exceeded with url: {SECRET_URL}")
    except ConnectionError:
        logger.exception("ping failed")
    text = buffer.getvalue()
    assert "s3cret-pass" not in text and "svc-user" not in text
    assert text.count("https://******@auth.example.gov.uk/auth/.well-known/jwks.json") == 2  # message, exception


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://user:pass@host/path", "https://******@host/path"),
        ("http://token@host:8080", "http://******@host:8080"),
        ("https://user:p@ss@host/x?y=z@w", "https://******@host/x?y=z@w"),
        ("see http://a:b@one and https://c:d@two/", "see http://******@one and https://******@two/"),
        ("https://host/path?email=a@b.c", "https://host/path?email=a@b.c"),
        ("mailto-style a@b.c, no scheme", "mailto-style a@b.c, no scheme"),
    ],
)
def test_without_credentials_masks_only_user_info(text, shown):
    assert without_credentials(text) == shown


def test_log_format_is_a_setting_plain_by_default_json_in_the_container():
    base = {
        "OAUTH_ENDPOINT_URL": "http://auth", "OAUTH_CLIENT_ID": "c", "OAUTH_CLIENT_SECRET": "s",
        "PRISON_ENDPOINT_URL": "http://prison", "COMMUNITY_ENDPOINT_URL": "http://community",
        "OFFENDER_SEARCH_ENDPOINT_URL": "http://search", "DYNAMODB_TABLENAME": "t",
        "DYNAMODB_SCHEDULE_TABLENAME": "s",
    }
    assert load_settings(base).log_format == "plain"
    assert load_settings({**base, "LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        load_settings({**base, "LOG_FORMAT": "xml"})
    dockerfile = (Path(__file__).resolve().parents[3] / "Dockerfile").read_text()
    assert re.search(r"^\s*LOG_FORMAT=json", dockerfile, re.MULTILINE)
