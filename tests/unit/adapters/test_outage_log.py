"""A failure repeating every tick is one traceback, then one line a minute, then one on recovery."""

from __future__ import annotations

import logging
import threading
from typing import Any

from botocore.exceptions import EndpointConnectionError

from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_core.work.outage_log import OutageLog

LOGGER = "ptpu.test.outage"


class Ticks:
    """A clock the test moves: seconds as a float."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def records(caplog, name: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == name]


def test_first_failure_with_traceback_then_a_count_a_minute_then_one_line_on_recovery(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    clock = Ticks()
    outage = OutageLog(logging.getLogger(LOGGER), "Polling", clock=clock)
    for second in range(150):  # two and a half minutes of one failure a second
        clock.now = float(second)
        try:
            raise ConnectionError("endpoint down")
        except ConnectionError as error:
            outage.failure(error)
    clock.now = 150.0
    outage.success()
    lines = records(caplog, LOGGER)
    assert [record.exc_info is not None for record in lines] == [True, False, False, False]
    assert lines[0].getMessage().startswith("Polling failed: endpoint down")
    assert lines[1].getMessage().startswith("Polling still failing: 60 more failures in the last 60s (61 in 60s)")
    assert lines[2].getMessage().startswith("Polling still failing: 60 more failures in the last 60s (121 in 120s)")
    assert lines[3].getMessage() == "Polling recovered after 150 failures over 150s"
    assert lines[3].levelno == logging.WARNING


def test_a_new_outage_after_recovery_gets_its_traceback_again_and_success_alone_logs_nothing(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    outage = OutageLog(logging.getLogger(LOGGER), "Polling", clock=Ticks())
    outage.success()
    outage.failure(RuntimeError("one"))
    outage.success()
    outage.failure(RuntimeError("two"))
    assert [(r.getMessage().split(":")[0], r.exc_info is not None) for r in records(caplog, LOGGER)] == [
        ("Polling failed", True), ("Polling recovered after 1 failures over 0s", False), ("Polling failed", True)
    ]


class DownThenUpSqs:
    """receive_message raises botocore's connection error `failures` times, then returns nothing."""

    def __init__(self, failures: int, clock: Ticks) -> None:
        self.failures = failures
        self.clock = clock
        self.calls = 0
        self.recovered = threading.Event()

    def receive_message(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        self.clock.now += 1.0  # each poll a second apart
        if self.calls <= self.failures:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:4566/")
        self.recovered.set()
        return {"Messages": []}


def test_the_listener_logs_an_sqs_outage_once_with_traceback_then_a_line_a_minute(caplog):
    caplog.set_level(logging.INFO, logger="ptpu_adapters.sqs.listener")
    clock = Ticks()
    sqs = DownThenUpSqs(failures=125, clock=clock)
    listener = SqsListener(sqs, "http://queue", lambda event_type, message: None,
                           ListenerSettings(workers=1, wait_seconds=0, retry_pause_seconds=0), clock=clock)
    listener.start()
    try:
        assert sqs.recovered.wait(timeout=30)
    finally:
        assert listener.stop(10)
    lines = records(caplog, "ptpu_adapters.sqs.listener")
    assert sum(record.exc_info is not None for record in lines) == 1  # not one per failure (125)
    assert [record.getMessage().split(": ")[0] for record in lines] == [
        "Receiving from http://queue failed",
        "Receiving from http://queue still failing",
        "Receiving from http://queue still failing",
        "Receiving from http://queue recovered after 125 failures over 125s",
    ]
