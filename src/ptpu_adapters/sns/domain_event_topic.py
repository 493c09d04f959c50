"""HMPPS domain events to the domain-events SNS topic as the estate's `HmppsDomainEvent` JSON (the Kotlin
service's HmppsDomainEventPublisher), attribute `eventType` for filter policies. Transient failures are tried
4 times with jittered back-off (the SNS client itself tries once), then SystemFailure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from attrs import frozen
from botocore.exceptions import BotoCoreError, ClientError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from ptpu_adapters.aws.errors import described, error_code
from ptpu_adapters.observability.tracing import inject_sns_attributes
from ptpu_core.errors import SystemFailure
from ptpu_core.models.domain_event import CRN, NOMS, HmppsDomainEvent
from ptpu_core.ports import Telemetry

log = logging.getLogger(__name__)

PUBLISH_ATTEMPTS = 4
EVENT_TYPE_ATTRIBUTE = "eventType"
# Dry-run (PRISONTOPROBATION_DRY_RUN): the event that would have been published, as telemetry.
DRY_RUN_EVENT = "P2PDryRunDomainEvent"

_THROTTLING = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded"})


def event_body(event: HmppsDomainEvent) -> dict[str, Any]:
    return {
        "eventType": event.event_type,
        "version": event.version,
        "occurredAt": event.occurred_at.isoformat(),
        "description": event.description,
        "additionalInformation": event.information,
        "personReference": {"identifiers": [{"type": one.type, "value": one.value} for one in event.identifiers]},
    }


def message_attributes(event: HmppsDomainEvent) -> dict[str, dict[str, str]]:
    """`eventType` and the current trace context, so consumers continue the trace."""
    return inject_sns_attributes({EVENT_TYPE_ATTRIBUTE: {"DataType": "String", "StringValue": event.event_type}})


def is_transient(error: BaseException) -> bool:
    """No answer, throttling or an SNS 5xx."""
    if isinstance(error, BotoCoreError):
        return True
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return status >= 500 or error_code(error) in _THROTTLING
    return False


class SnsDomainEventPublisher:
    """`wait`: tenacity's wait between attempts (by default random exponential, 0.2 s growing to 2 s at most)."""

    def __init__(
        self, sns: Any, topic_arn: str,
        wait: Callable[[RetryCallState], float] = wait_random_exponential(multiplier=0.2, max=2),
    ) -> None:
        self._sns = sns
        self.topic_arn = topic_arn
        self._retrying = Retrying(  # keeps its state between attempts per thread
            stop=stop_after_attempt(PUBLISH_ATTEMPTS), wait=wait, retry=retry_if_exception(is_transient),
            before_sleep=_log_retry, reraise=True)

    def publish(self, event: HmppsDomainEvent) -> None:
        try:
            answer = self._retrying(self._sns.publish, TopicArn=self.topic_arn, Message=json.dumps(event_body(event)),
                                    MessageAttributes=message_attributes(event))
        except (ClientError, BotoCoreError) as error:
            raise SystemFailure(f"SNS publishing {event.event_type} failed: {described(error)}") from error
        log.info("Published %s (SNS message %s)", event.event_type, answer.get("MessageId"))


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("Publishing a domain event failed (attempt %d), trying again: %s", state.attempt_number, error)


@frozen
class DryRunDomainEventPublisher:
    """Publishes nothing: each event becomes telemetry `P2PDryRunDomainEvent`."""

    _telemetry: Telemetry

    def publish(self, event: HmppsDomainEvent) -> None:
        self._telemetry.track_event(
            DRY_RUN_EVENT,
            {
                "eventType": event.event_type,
                "crn": event.identifier(CRN) or "",
                "nomsNumber": event.identifier(NOMS) or "",
                "message": json.dumps(event_body(event), sort_keys=True),
            },
        )


class NoDomainEventTopic:
    """No topic configured: every event is dropped (the service says so once, at start-up)."""

    def publish(self, event: HmppsDomainEvent) -> None:
        log.debug("No domain-events topic: %s not published", event.event_type)
