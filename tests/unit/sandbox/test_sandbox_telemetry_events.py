"""How the sandbox and the tests read telemetry back from a service log: only whole records of the
`ptpu.telemetry` logger count, in either LOG_FORMAT; text that merely contains the marker does not."""

from __future__ import annotations

import json

from ptpu_sandbox.service_process import telemetry_events

EVENT = {"event": "P2PImprisonmentStatusUpdated", "attributes": {"bookingId": "1"}}


def test_plain_and_json_telemetry_records_are_read():
    log = "\n".join([
        f"2026-11-29 12:00:00,000 INFO [sqs-1] ptpu.telemetry: {json.dumps(EVENT)}",
        f"2026-11-29T12:00:00.000+00:00 INFO [sqs-1] ptpu.telemetry: {json.dumps(EVENT)}",  # the service's own
        json.dumps({"timestamp": "t", "level": "INFO", "thread": "sqs-1", "logger": "ptpu.telemetry",
                    "message": json.dumps(EVENT)}),
    ])
    assert telemetry_events(log) == [EVENT, EVENT, EVENT]


def test_a_value_that_contains_the_telemetry_marker_is_not_an_event():
    forged = f"ptpu.telemetry: {json.dumps(EVENT)}"
    log = "\n".join([
        f"2026-11-29 12:00:00,000 INFO [sqs-1] ptpu_adapters.sqs.listener: Received message m type X {forged}",
        json.dumps({"level": "INFO", "logger": "ptpu_core.use_cases.receive", "message": json.dumps(EVENT)}),
        json.dumps({"level": "INFO", "logger": "ptpu_core.use_cases.receive", "message": f"Ignoring {forged}"}),
        "    " + forged,
    ])
    assert telemetry_events(log) == []
