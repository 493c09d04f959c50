"""The components of GET /health (SPEC §9), shaped as the existing service's and hmpps-spring-boot-sqs's. A check
reports DOWN, never raises, and shows only a failure's kind (its text, which can name an account, is logged)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from http import HTTPStatus
from typing import Any, Protocol

from attrs import define

from ptpu_adapters.aws.errors import QueueDoesNotExist
from ptpu_adapters.http.base import PingAnswer
from ptpu_adapters.http.calls import UpstreamCalls
from ptpu_adapters.sqs.queue_admin import QueueAdmin
from ptpu_runtime.logging_setup import without_credentials

log = logging.getLogger(__name__)

UP = "UP"
DOWN = "DOWN"
Component = dict[str, Any]

PRISON_API = "prisonApiHealth"
COMMUNITY_API = "communityApiHealth"
SEARCH_API = "searchApiHealth"
OAUTH_API = "OAuthApiHealth"  # Spring keeps a bean name whose first two letters are capitals as it is
MESSAGE_TABLE = "messageTable"
SCHEDULE_TABLE = "scheduleTable"
QUEUE = "queueHealth"
# hmpps-sqs's "<topic id>-health"; the topic id of HmppsDomainEventPublisher.kt.
DOMAIN_EVENT_TOPIC = "domaineventtopic-health"

# dlqStatus values, as the existing service's DlqStatus enum describes them.
DLQ_UP = "UP"
DLQ_NOT_ATTACHED = "The queue does not have a dead letter queue attached"
DLQ_NOT_FOUND = "The queue does not exist"
DLQ_NOT_AVAILABLE = "The queue cannot be interrogated"

# Spring's HttpStatus names: http.HTTPStatus's but where Spring's differ.
_SPRING_STATUS_NAMES = {status.value: status.name for status in HTTPStatus} | {
    413: "PAYLOAD_TOO_LARGE", 414: "URI_TOO_LONG", 416: "REQUESTED_RANGE_NOT_SATISFIABLE",
    418: "I_AM_A_TEAPOT", 422: "UNPROCESSABLE_ENTITY"}


class HealthCheck(Protocol):
    name: str

    def check(self) -> Component: ...


def _down(name: str, error: Exception) -> Component:
    log.error("Health check %s failed: %s: %s", name, type(error).__name__, error)
    return {"status": DOWN, "details": {"error": type(error).__name__}}


def spring_status_name(code: int) -> str:
    """An HTTP status as Spring's HttpStatus enum names it (`I_AM_A_TEAPOT`), else its number."""
    return _SPRING_STATUS_NAMES.get(code, str(code))


@define
class DynamoTableHealth:
    name: str
    _client: Any  # a boto3 DynamoDB client
    _table: str

    def check(self) -> Component:
        try:
            table = self._client.describe_table(TableName=self._table)["Table"]
        except Exception as error:
            return _down(f"{self.name} (table {self._table})", error)
        return {
            "status": UP,
            "details": {"tableName": table["TableName"], "rows": table.get("ItemCount", 0),
                        "tableStatus": table.get("TableStatus")}}


@define
class QueueHealth:
    """As the existing service's QueueHealth: DOWN when the DLQ is not attached, missing or unreadable."""

    name = QUEUE
    _queues: QueueAdmin
    _dlq_attached: Callable[[], bool] = lambda: True

    def check(self) -> Component:
        queue = self._queues.queue_name()
        try:
            details: dict[str, Any] = {
                "queueName": queue,
                "MessagesOnQueue": self._queues.message_count(queue),
                "MessagesInFlight": self._queues.messages_in_flight(queue)}
        except Exception as error:
            return _down(f"{self.name} (queue {queue})", error)
        dlq = self._queues.dlq_name()
        try:
            if dlq is None or not self._dlq_attached():
                log.error("Queue %s has no RedrivePolicy: no dead letter queue attached", queue)
                return {"status": DOWN, "details": {**details, "dlqStatus": DLQ_NOT_ATTACHED}}
            details["MessagesOnDLQ"] = self._queues.message_count(dlq)
        except QueueDoesNotExist as error:
            log.error("Dead letter queue %s does not exist: %s", dlq, error)
            return {"status": DOWN, "details": {**details, "dlqStatus": DLQ_NOT_FOUND}}
        except Exception as error:
            log.error("Unable to read dead letter queue %s: %s", dlq, error)
            return {"status": DOWN, "details": {**details, "dlqStatus": DLQ_NOT_AVAILABLE}}
        return {"status": UP, "details": {**details, "dlqName": dlq, "dlqStatus": DLQ_UP}}


@define
class TopicHealth:
    """An SNS topic as hmpps-spring-boot-sqs's HmppsTopicHealth reports it (GetTopicAttributes)."""

    name = DOMAIN_EVENT_TOPIC
    _sns: Any
    _topic_arn: str

    def check(self) -> Component:
        try:
            attributes = self._sns.get_topic_attributes(TopicArn=self._topic_arn)["Attributes"]
        except Exception as error:
            down = _down(f"{self.name} (topic {self._topic_arn})", error)
            return {"status": DOWN, "details": {"topicArn": self._topic_arn, **down["details"]}}
        return {
            "status": UP,
            "details": {
                "topicArn": self._topic_arn,
                "subscriptionsConfirmed": str(attributes.get("SubscriptionsConfirmed")),
                "subscriptionsPending": str(attributes.get("SubscriptionsPending"))}}


def switched_off(mode: Mapping[str, Any]) -> list[str]:
    """The capabilities `mode` (ptpu_runtime.environment.mode_info) leaves to other services, by their names."""
    return [name for name, allowed in mode["capabilities"].items() if not allowed]


@define
class BuildInfoHealth:
    """The build's version and, from the mode (ptpu_runtime.environment.mode_info), whether it writes to
    Delius, which capabilities are switched off and whether records are processed: a dry run or processing
    switched off is stated on /health, not only on /info."""

    name = "healthInfo"
    _version: str
    _mode: Mapping[str, Any]

    def check(self) -> Component:
        details = {"version": self._version, "dryRun": self._mode["dryRun"], "switchedOff": switched_off(self._mode),
                   "messageProcessorEnabled": self._mode["messageProcessorEnabled"]}
        return {"status": UP, "details": details}


def overall_health(checks: Sequence[HealthCheck | None]) -> Component:
    """The checks run in parallel; UP only if all are UP. A None among `checks` (not configured) is left out."""
    present = [check for check in checks if check is not None]
    with ThreadPoolExecutor(max_workers=max(len(present), 1), thread_name_prefix="health") as pool:
        results = list(pool.map(_safe_check, present))
    components = {check.name: result for check, result in zip(present, results, strict=True)}
    overall = all(component.get("status") == UP for component in components.values())
    return {"status": UP if overall else DOWN, "components": components}


def _safe_check(check: HealthCheck) -> Component:
    try:
        return check.check()
    except Exception as error:
        return _down(check.name, error)


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


@define
class UpstreamHealth:
    """An upstream's GET /health/ping (UP on 2xx), and with `recent` its calls' summary, DOWN while failing."""

    name: str
    _ping: Callable[[], PingAnswer]
    _recent: UpstreamCalls | None = None
    _service: str = ""

    def check(self) -> Component:
        answer = self._ping()  # never raises (ptpu_adapters.http.base)
        up = answer.ok
        details: dict[str, Any]
        if answer.status is None:
            log.error("Health check %s: no answer from /health/ping: %s", self.name, answer.error)
            details = {"error": answer.error or "no answer"}
        else:
            details = {"HttpStatus": spring_status_name(answer.status)}
            if not up:
                details["body"] = without_credentials(answer.body)
        if self._recent is not None:
            summary = self._recent.summary(self._service)
            details["recentCalls"] = {
                "lastSuccess": _instant(summary.last_success), "lastFailure": _instant(summary.last_failure),
                "lastFailureKind": summary.last_failure_kind, "failures": summary.failures_in_window,
                "windowMinutes": round(summary.window.total_seconds() / 60, 2), "failing": summary.failing}
            up = up and not summary.failing
        return {"status": UP if up else DOWN, "details": details}
