"""Which domain-event publisher the service runs with, chosen once from the settings."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import attrs
import pytest

from conftest import make_settings
from ptpu_adapters.sns.domain_event_topic import (
    DryRunDomainEventPublisher,
    NoDomainEventTopic,
    SnsDomainEventPublisher,
)
from ptpu_core.testing import RecordingTelemetry
from ptpu_core.work.domain_events import prison_identifier_updated
from ptpu_runtime.container import Container

TOPIC = "arn:aws:sns:eu-west-2:754256621582:cloud-platform-Digital-Prison-Services-hmpps-domain-events"


def container_with(**settings: object) -> Container:
    return Container(settings=attrs.evolve(make_settings(), **settings))


def test_without_a_topic_nothing_is_published_and_that_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ptpu_runtime.wiring.aws")
    container = container_with()

    publisher = container.domain_events()
    assert isinstance(publisher, NoDomainEventTopic)
    assert container.domain_events() is publisher
    container.ports()

    said = [r.getMessage() for r in caplog.records if r.name == "ptpu_runtime.wiring.aws"]
    assert said == ["No HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN: HMPPS domain events are not published"]


def test_with_a_topic_events_go_to_it_through_sns() -> None:
    container = container_with(domain_event_topic_arn=TOPIC)

    publisher = container.domain_events()

    assert isinstance(publisher, SnsDomainEventPublisher)
    assert publisher.topic_arn == TOPIC
    assert container.ports().domain_events is publisher  # what every booking's work announces through


def test_dry_run_publishes_nothing_and_reports_the_event_as_telemetry() -> None:
    container = container_with(domain_event_topic_arn=TOPIC, dry_run=True)
    telemetry = RecordingTelemetry()
    container.telemetry.override(telemetry)
    winter = datetime(2021, 1, 5, 9, 30, tzinfo=UTC)
    event = prison_identifier_updated("X200007", "A5096DY", "A9996DY", "38346A", winter)

    publisher = container.domain_events()
    assert isinstance(publisher, DryRunDomainEventPublisher)
    publisher.publish(event)

    [reported] = telemetry.events
    assert reported.name == "P2PDryRunDomainEvent"
    assert {key: value for key, value in reported.attributes.items() if key != "message"} == {
        "eventType": "probation-case.prison-identifier.updated",
        "crn": "X200007",
        "nomsNumber": "A5096DY",
    }
    assert json.loads(reported.attributes["message"]) == {
        "eventType": "probation-case.prison-identifier.updated",
        "version": 1,
        "occurredAt": "2021-01-05T09:30:00+00:00",
        "description": event.description,
        "additionalInformation": {"bookingNumber": "38346A", "previousNomsNumber": "A9996DY"},
        "personReference": {"identifiers": [{"type": "CRN", "value": "X200007"}, {"type": "NOMS", "value": "A5096DY"}]},
    }
