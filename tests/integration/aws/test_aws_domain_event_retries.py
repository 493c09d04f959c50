"""Publishing a domain event tries 4 times with back-off, then fails the record.

An SNS endpoint played by a loopback HTTP stub (pytest-httpserver) that answers as SNS does: a 500 with
SNS's error document, a 400 for a request that cannot succeed, the Publish result otherwise. The boto3
client is the service's own (`make_clients`), so the test also shows the client adds no retries of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from tenacity import wait_none
from werkzeug import Request, Response

from ptpu_adapters.aws.clients import LOCALSTACK, make_clients
from ptpu_adapters.sns.domain_event_topic import PUBLISH_ATTEMPTS, SnsDomainEventPublisher
from ptpu_core.errors import SystemFailure
from ptpu_core.work.domain_events import prison_identifier_added

TOPIC = "arn:aws:sns:eu-west-2:000000000000:hmpps-domain-events"
EVENT = prison_identifier_added("X100001", "A5089DY", "38339A", datetime(2021, 7, 1, 11, 0, tzinfo=UTC))
PUBLISHED = (
    '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
    "<MessageId>f0f0f0f0-0000-4000-8000-000000000001</MessageId></PublishResult>"
    "<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></PublishResponse>"
)


def sns_error(kind: str, code: str) -> str:
    return (
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
        f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>{code} (stub)</Message></Error>"
        "<RequestId>r0</RequestId></ErrorResponse>"
    )


class ScriptedSns:
    """Answers each Publish with the next (status, body) of its script, the last one from then on."""

    def __init__(self, *script: tuple[int, str]) -> None:
        self.script = list(script)
        self.publishes: list[dict[str, str]] = []

    def __call__(self, request: Request) -> Response:
        self.publishes.append(dict(request.form))
        status, body = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return Response(body, status=status, content_type="text/xml")


@pytest.fixture
def sns_stub() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def publisher_at(server: HTTPServer, script: ScriptedSns) -> SnsDomainEventPublisher:
    server.expect_request("/", method="POST").respond_with_handler(script)
    clients = make_clients(LOCALSTACK, "eu-west-2", endpoint_url=server.url_for("/").rstrip("/"))
    return SnsDomainEventPublisher(clients.sns, TOPIC, wait=wait_none())


def test_three_server_errors_then_success_publishes_on_the_fourth_attempt(sns_stub: HTTPServer) -> None:
    sns = ScriptedSns((500, sns_error("Receiver", "InternalFailure")), (500, sns_error("Receiver", "InternalFailure")),
                      (503, sns_error("Receiver", "ServiceUnavailable")), (200, PUBLISHED))

    publisher_at(sns_stub, sns).publish(EVENT)

    assert len(sns.publishes) == 4
    last = sns.publishes[-1]
    assert last["Action"] == "Publish"
    assert last["TopicArn"] == TOPIC
    assert last["MessageAttributes.entry.1.Name"] == "eventType"
    assert last["MessageAttributes.entry.1.Value.DataType"] == "String"
    assert last["MessageAttributes.entry.1.Value.StringValue"] == "probation-case.prison-identifier.added"


def test_throttling_is_retried_too(sns_stub: HTTPServer) -> None:
    sns = ScriptedSns((400, sns_error("Sender", "Throttling")), (200, PUBLISHED))

    publisher_at(sns_stub, sns).publish(EVENT)

    assert len(sns.publishes) == 2


def test_four_failures_are_a_system_failure_after_exactly_four_attempts(sns_stub: HTTPServer) -> None:
    sns = ScriptedSns((500, sns_error("Receiver", "InternalFailure")))

    with pytest.raises(SystemFailure, match="InternalFailure"):
        publisher_at(sns_stub, sns).publish(EVENT)
    assert len(sns.publishes) == PUBLISH_ATTEMPTS == 4


def test_a_request_that_cannot_succeed_is_not_retried(sns_stub: HTTPServer) -> None:
    sns = ScriptedSns((403, sns_error("Sender", "AuthorizationError")))

    with pytest.raises(SystemFailure, match="AuthorizationError"):
        publisher_at(sns_stub, sns).publish(EVENT)
    assert len(sns.publishes) == 1


def test_no_answer_at_all_is_retried_then_a_system_failure(caplog: pytest.LogCaptureFixture) -> None:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    url = server.url_for("/").rstrip("/")
    server.stop()  # nothing listens there any more: connection refused
    clients = make_clients(LOCALSTACK, "eu-west-2", endpoint_url=url)

    with pytest.raises(SystemFailure, match="Could not connect"):
        SnsDomainEventPublisher(clients.sns, TOPIC, wait=wait_none()).publish(EVENT)
    retries = [record.getMessage() for record in caplog.records if "trying again" in record.getMessage()]
    assert [message.split("(")[1].split(")")[0] for message in retries] == ["attempt 1", "attempt 2", "attempt 3"]
