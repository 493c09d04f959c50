"""Which domain-event publisher the service uses, chosen once from the settings."""

from __future__ import annotations

import logging

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.sns.domain_event_topic import (
    DryRunDomainEventPublisher,
    NoDomainEventTopic,
    SnsDomainEventPublisher,
)
from ptpu_core.ports import DomainEventPublisher, Telemetry
from ptpu_runtime.config import Settings
from ptpu_runtime.health_checks import TopicHealth

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


def domain_event_topic_health(settings: Settings, aws: AwsClients) -> TopicHealth | None:
    """The /health component for the domain-events topic, or None when no topic is configured (then
    /health has no such component, as hmpps-sqs registers a topic's health only for a configured topic).
    In dry-run too: the topic is still the one a real run would publish to."""
    topic = settings.domain_event_topic_arn
    return TopicHealth(aws.sns, topic) if topic else None
