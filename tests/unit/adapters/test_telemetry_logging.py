"""LoggingTelemetry writes one JSON line per event on the ptpu.telemetry logger."""

from __future__ import annotations

import json
import logging

import pytest

from ptpu_adapters.observability.telemetry import TELEMETRY_LOGGER, LoggingTelemetry


def test_one_json_line_per_event(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=TELEMETRY_LOGGER)

    LoggingTelemetry().track_event("P2POffenderMatch", {"offenderNo": "A5089DY", "bookingNumber": "38339A"})
    LoggingTelemetry().track_event("P2PExternalMovement", {})

    records = [r for r in caplog.records if r.name == TELEMETRY_LOGGER]
    assert [json.loads(r.getMessage()) for r in records] == [
        {"event": "P2POffenderMatch", "attributes": {"offenderNo": "A5089DY", "bookingNumber": "38339A"}},
        {"event": "P2PExternalMovement", "attributes": {}},
    ]
    assert all(r.levelno == logging.INFO for r in records)


def test_values_become_strings_and_nones_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=TELEMETRY_LOGGER)
    attributes: dict = {"bookingId": 1200835, "recall": True, "agencyId": None}

    LoggingTelemetry().track_event("P2PImprisonmentStatusUpdated", attributes)

    [record] = [r for r in caplog.records if r.name == TELEMETRY_LOGGER]
    assert json.loads(record.getMessage())["attributes"] == {"bookingId": "1200835", "recall": "True"}
