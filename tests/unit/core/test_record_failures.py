"""Records failing for a system reason during an outage: the first of a kind gives its traceback, then one
line a minute with the count, then one line once the kind has been quiet for a minute; a different kind of
failure is never hidden behind the first. The same rule as the SQS and DynamoDB outages (OutageLog)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from records import HOLD_BACK, STATUS_CHANGE, World, record

from ptpu_core.errors import UpstreamFailure

SECOND = timedelta(seconds=1)


@pytest.fixture
def world() -> World:
    return World()


def lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "ptpu.synchronise" and r.levelno >= logging.WARNING]


def fail_one_record_a_second(world: World, seconds: int, error: Exception, first_booking: int = 1) -> None:
    for second in range(seconds):
        failing = record(first_booking + second, STATUS_CHANGE, created=world.clock.now() - HOLD_BACK - SECOND)
        world.store(failing)
        world.processor.script[failing.id] = error
        world.service.process_due()
        world.clock.advance(SECOND)


def test_a_three_minute_outage_is_one_traceback_then_a_line_a_minute_then_one_when_quiet(world, caplog) -> None:
    down = UpstreamFailure("community-api", "GET /secure/offenders/nomsNumber/A1234BC timed out")
    with caplog.at_level(logging.INFO, logger="ptpu.synchronise"):
        fail_one_record_a_second(world, 180, down)
        assert world.service.process_due().errors == 0  # nothing due: no line of its own
        world.clock.advance(timedelta(seconds=60))
        fine = record(9999, STATUS_CHANGE, created=world.clock.now() - HOLD_BACK - SECOND)
        world.store(fine)
        world.service.process_due()

    logged = lines(caplog)
    assert [(r.levelname, r.exc_info is not None) for r in logged] == [
        ("ERROR", True), ("ERROR", False), ("ERROR", False), ("WARNING", False)
    ]
    first = logged[0].getMessage()
    assert first.startswith(
        "Processing records (UpstreamFailure from community-api) failed (booking 1: "
        f"{STATUS_CHANGE} message "
    )
    assert "will retry): community-api: GET /secure/offenders/nomsNumber/A1234BC timed out" in first
    assert logged[1].getMessage().startswith(
        "Processing records (UpstreamFailure from community-api) still failing: 60 more failures in the last 60s"
    )
    assert logged[3].getMessage() == (
        "Processing records (UpstreamFailure from community-api): no failure for 61s, after 180 failures over 179s"
    )
    # Every record still has its own outcome line (INFO), so none is lost from the log.
    outcomes = [r for r in caplog.records if r.levelno == logging.INFO and "-> TryLater ERROR" in r.getMessage()]
    assert len(outcomes) == 180


def test_a_different_kind_of_failure_in_the_outage_gets_its_own_traceback(world, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="ptpu.synchronise"):
        fail_one_record_a_second(world, 10, UpstreamFailure("community-api", "down", 503))
        fail_one_record_a_second(world, 10, UpstreamFailure("prison-api", "down", 500), first_booking=100)
        fail_one_record_a_second(world, 10, KeyError("sentenceDetail"), first_booking=200)
    tracebacks = [r.getMessage().split(" failed ")[0] for r in lines(caplog) if r.exc_info]
    assert tracebacks[:2] == [
        "Processing records (UpstreamFailure from community-api (HTTP 5xx))",
        "Processing records (UpstreamFailure from prison-api (HTTP 5xx))",
    ]
    assert tracebacks[2].startswith("Processing records (KeyError at records.py:")
    assert len(tracebacks) == 3


def test_a_new_outage_after_a_quiet_spell_gives_its_traceback_again(world, caplog) -> None:
    """Time is the Clock port's: two minutes on the fake clock with no failure end the first outage."""
    with caplog.at_level(logging.INFO, logger="ptpu.synchronise"):
        fail_one_record_a_second(world, 2, UpstreamFailure("community-api", "down"))
        world.clock.advance(timedelta(minutes=2))
        fail_one_record_a_second(world, 1, UpstreamFailure("community-api", "down"), first_booking=50)
    assert [(r.levelname, r.exc_info is not None) for r in lines(caplog)] == [
        ("ERROR", True), ("WARNING", False), ("ERROR", True)  # over, then a new outage with its traceback
    ]
