"""Every hmpps-sqs `<eventType>-sent-to-dlq` telemetry event is also counted, whoever emits it; the event
itself still reaches the telemetry (hmpps-spring-boot-sqs HmppsErrorVisibilityHandler names it so)."""

from __future__ import annotations

from ptpu_adapters.observability.telemetry import DlqCountingTelemetry
from ptpu_core.testing import RecordingTelemetry


def test_sent_to_dlq_events_are_counted_by_event_type_and_still_tracked() -> None:
    inner, counted = RecordingTelemetry(), []
    telemetry = DlqCountingTelemetry(inner, counted.append)

    telemetry.track_event("EXTERNAL_MOVEMENT_RECORD-INSERTED-sent-to-dlq", {"messageId": "m1"})
    telemetry.track_event("null-sent-to-dlq", {"messageId": "m2"})
    telemetry.track_event("P2PTransferProbationUpdated", {"bookingId": "1"})

    assert counted == ["EXTERNAL_MOVEMENT_RECORD-INSERTED", "null"]
    assert inner.names() == [
        "EXTERNAL_MOVEMENT_RECORD-INSERTED-sent-to-dlq", "null-sent-to-dlq", "P2PTransferProbationUpdated",
    ]
