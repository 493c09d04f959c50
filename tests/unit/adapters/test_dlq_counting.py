"""Every hmpps-sqs `<eventType>-sent-to-dlq` telemetry event is also counted, whoever emits it; the event
itself is still tracked (hmpps-spring-boot-sqs HmppsErrorVisibilityHandler names it so)."""

from __future__ import annotations

import json
import logging

import pytest

from ptpu_adapters.observability.telemetry import TELEMETRY_LOGGER, LoggingTelemetry


def test_sent_to_dlq_events_are_counted_by_event_type_and_still_tracked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=TELEMETRY_LOGGER)
    counted: list[str] = []
    telemetry = LoggingTelemetry(count_sent_to_dlq=counted.append)

    telemetry.track_event("EXTERNAL_MOVEMENT_RECORD-INSERTED-sent-to-dlq", {"messageId": "m1"})
    telemetry.track_event("null-sent-to-dlq", {"messageId": "m2"})
    telemetry.track_event("P2PTransferProbationUpdated", {"bookingId": "1"})

    assert counted == ["EXTERNAL_MOVEMENT_RECORD-INSERTED", "null"]
    tracked = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == TELEMETRY_LOGGER]
    assert tracked == [
        "EXTERNAL_MOVEMENT_RECORD-INSERTED-sent-to-dlq", "null-sent-to-dlq", "P2PTransferProbationUpdated",
    ]
