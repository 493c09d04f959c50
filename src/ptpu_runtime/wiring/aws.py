"""The AWS wing: one set of clients, the queue URLs, the message store, leases, locks, queue admin, SNS."""

from __future__ import annotations

import logging
from typing import Any

from attrs import frozen
from dependency_injector import containers, providers

from ptpu_adapters.aws.clients import AwsClients, AwsCredentialSets, AwsEndpoints, make_clients
from ptpu_adapters.dynamodb.booking_leases import DynamoBookingLeases
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.shedlock import ScheduleCover
from ptpu_adapters.provisioning import AwsResourceNames, provision
from ptpu_adapters.sns.domain_event_topic import DryRunDomainEventPublisher, NoDomainEventTopic, SnsDomainEventPublisher
from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin
from ptpu_adapters.sqs.queue_depth import SampledQueueDepth
from ptpu_core.errors import ConfigError
from ptpu_core.ports import DomainEventPublisher, Telemetry
from ptpu_runtime.config import Settings
from ptpu_runtime.health_checks import TopicHealth
from ptpu_runtime.startup_checks import DOMAIN_EVENT_TOPIC_SETTING, check_aws

log = logging.getLogger(__name__)


@frozen
class QueueUrls:
    queue_url: str
    dlq_url: str | None


def aws_clients(settings: Settings) -> AwsClients:
    return make_clients(
        settings.aws_provider, settings.aws_region,
        endpoints=AwsEndpoints(settings.sqs_endpoint_url, settings.dynamodb_endpoint_url, settings.sns_endpoint_url),
        credentials=AwsCredentialSets(
            settings.sqs_credentials, settings.dlq_credentials, settings.dynamodb_credentials,
            settings.schedule_credentials))


def _queue_urls(settings: Settings, clients: AwsClients) -> QueueUrls:
    """With an emulator, create what is missing (SPEC §11); on AWS, only look the queues up."""
    if settings.emulated_aws:
        names = AwsResourceNames(
            queue=settings.sqs_queue_name, dlq=settings.sqs_dlq_name, topic=settings.sns_topic_name,
            message_table=settings.dynamodb_table_name, schedule_table=settings.schedule_table_name)
        resources = provision(clients, names)
        log.info("Provisioned emulated queues, topic and tables")
        return QueueUrls(resources.queue_url, resources.dlq_url)
    queue_url = _existing_queue_url(clients.sqs, "SQS_QUEUE_NAME", settings.sqs_queue_name)
    return QueueUrls(queue_url, _existing_queue_url(clients.dlq_sqs, "SQS_DLQ_NAME", settings.sqs_dlq_name))


def _existing_queue_url(sqs: Any, setting: str, name: str) -> str:
    """A wrong queue name is a configuration mistake: one line naming the setting, not a stack trace."""
    try:
        return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except sqs.exceptions.QueueDoesNotExist:
        raise ConfigError(f"{setting}: queue '{name}' not found") from None


def domain_event_publisher(settings: Settings, aws: AwsClients, telemetry: Telemetry) -> DomainEventPublisher:
    """Without a topic, one that drops every event; in dry-run, telemetry instead of SNS; else the topic."""
    topic = settings.domain_event_topic_arn
    if topic is None:
        log.info("No %s: HMPPS domain events are not published", DOMAIN_EVENT_TOPIC_SETTING)
        return NoDomainEventTopic()
    if settings.dry_run:
        log.info("Dry-run: HMPPS domain events for %s are reported as telemetry, not published", topic)
        return DryRunDomainEventPublisher(telemetry)
    log.info("HMPPS domain events are published to %s", topic)
    return SnsDomainEventPublisher(aws.sns, topic)


def domain_event_topic_health(settings: Settings, aws: AwsClients) -> TopicHealth | None:
    """The topic's /health component (dry run too), or None without a topic, as hmpps-sqs."""
    topic = settings.domain_event_topic_arn
    return TopicHealth(aws.sns, topic) if topic else None


class Aws(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    observability = providers.DependenciesContainer()

    # One set of clients; queue URLs resolved (and emulated resources created) on first use.
    clients = providers.Singleton(aws_clients, settings)
    queue_urls = providers.Singleton(_queue_urls, settings, clients)
    # Run by `ptpu serve` before anything starts: each AWS failure becomes a one-line ConfigError.
    preflight = providers.Callable(check_aws, settings, clients, queue_urls.provider)
    repository = providers.Singleton(
        DynamoMessageRepository, clients.provided.dynamodb, settings.provided.dynamodb_table_name,
        metrics=observability.metrics)
    # Pods share work by per-booking leases; `scheduleLock` only keeps the existing service out.
    lock = providers.Singleton(ScheduleCover, clients.provided.schedule_dynamodb, settings.provided.schedule_table_name)
    booking_leases = providers.Singleton(
        DynamoBookingLeases, clients.provided.schedule_dynamodb, settings.provided.schedule_table_name,
        settings.provided.booking_lease)
    queue_admin = providers.Singleton(
        SqsQueueAdmin, clients.provided.sqs, queue_urls.provided.queue_url, queue_urls.provided.dlq_url,
        clients.provided.dlq_sqs)
    # Queue and DLQ depth gauges, sampled at most every 30 s off the scrape; on the registry /prometheus serves.
    queue_depth = providers.Singleton(SampledQueueDepth, queue_admin, observability.registry)
    domain_events = providers.Singleton(domain_event_publisher, settings, clients, observability.telemetry)
    topic_health = providers.Callable(domain_event_topic_health, settings, clients)  # None without a topic
