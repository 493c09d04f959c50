"""The SNS MessageId (what `ptpu publish` and `aws sns publish` print) joins a record's log lines: the
listener's "Received" line, the "Stored" line and every processing line of the record name it, so an
operator can follow one published event through the log."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from builders import SENTENCE_DATES, Fakes, inner_message
from records import HOLD_BACK, STATUS_CHANGE, World, record

from ptpu_core.errors import UpstreamFailure
from ptpu_core.use_cases.receive import record_id_for

SNS_ID = "6f1f1b7e-1c6f-5d7a-9d45-0123456789ab"


def test_the_stored_line_and_the_record_carry_the_sns_message_id(caplog) -> None:
    fakes = Fakes()
    fakes.booking()
    with caplog.at_level(logging.INFO, logger="ptpu.receive"):
        fakes.receiver().receive(SENTENCE_DATES, inner_message(SENTENCE_DATES), SNS_ID)
    [stored] = fakes.repository.all()
    assert stored.sns_message_id == SNS_ID
    assert f"as {record_id_for(SNS_ID)} (SNS {SNS_ID})" in caplog.text


@pytest.mark.parametrize("fails", [False, True])
def test_every_processing_line_of_the_record_names_it(caplog, fails: bool) -> None:
    world = World()
    message = record(1, STATUS_CHANGE, created=world.clock.now() - HOLD_BACK - timedelta(seconds=1))
    message.sns_message_id = SNS_ID
    world.store(message)
    if fails:
        world.processor.script[message.id] = UpstreamFailure("community-api", "down", 503)
    with caplog.at_level(logging.INFO, logger="ptpu.synchronise"):
        world.service.process_due()
    lines = [r.getMessage() for r in caplog.records if message.id in r.getMessage()]
    assert lines and all(f"{message.id} (SNS {SNS_ID})" in line for line in lines)
    assert len(lines) == (2 if fails else 1)  # the failure's traceback line, and the outcome line
