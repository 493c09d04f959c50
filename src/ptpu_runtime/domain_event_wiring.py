"""Which domain-event publisher the service uses (issue 11 §1), chosen once from the settings."""

from __future__ import annotations

import logging

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.aws.domain_event_topic import (
    DryRunDomainEventPublisher,
    NoDomainEventTopic,
    SnsDomainEventPublisher,
)
from ptpu_core.ports import DomainEventPublisher, Telemetry
from ptpu_runtime.config import Settings

log = logging.getLogger(__name__)

TOPIC_SETTING = "HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN"


def domain_event_publisher(settings: Settings, aws: AwsClients, telemetry: Telemetry) -> DomainEventPublisher:
    """Without a topic, one that drops every event; in dry-run, telemetry instead of SNS; else the topic.
    Built once per container (a Singleton: never None, which dependency-injector would build again each
    time), so the choice is logged once, at start-up."""
    topic = settings.domain_event_topic_arn
    if topic is None:
        log.info("No %s: HMPPS domain events are not published", TOPIC_SETTING)
        return NoDomainEventTopic()
    if settings.dry_run:
        log.info("Dry-run: HMPPS domain events for %s are reported as telemetry, not published", topic)
        return DryRunDomainEventPublisher(telemetry)
    log.info("HMPPS domain events are published to %s", topic)
    return SnsDomainEventPublisher(aws.sns, topic)
