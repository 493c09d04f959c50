import json

import pytest
from fastapi.testclient import TestClient

from ptpu_core.errors import StoreFailure
from ptpu_runtime.testing import InMemoryQueueAdmin

ADMIN = "ROLE_PTPU_QUEUE_ADMIN"
QUEUE, DLQ = "prison_to_probation_queue", "prison_to_probation_dlq"


@pytest.fixture
def admin(auth_headers) -> dict[str, str]:
    return auth_headers(ADMIN)


@pytest.fixture
def queues(container):
    return container.queue_admin()


def on_dlq(queues, *bodies: str) -> None:
    queues.queues[DLQ].extend((f"id-{i}", body) for i, body in enumerate(bodies))


def test_transfer_event_dlq_moves_messages_back(client, queues, admin, container):
    on_dlq(queues, "{}", "{}")
    response = client.put("/queue-admin/transfer-event-dlq", headers=admin)
    assert response.status_code == 200
    assert len(queues.queues[QUEUE]) == 2
    assert queues.queues[DLQ] == []
    # The existing service's event name and property (QueueAdminService), not hmpps-sqs's RetryDLQ.
    events = container.telemetry().events
    assert [(e.name, e.attributes) for e in events] == [("TRANSFERRED_EVENT_DLQ", {"messages-on-queue": "2"})]


def test_purge_event_dlq_empties_the_dlq(client, queues, admin, container):
    on_dlq(queues, "{}")
    assert client.put("/queue-admin/purge-event-dlq", headers=admin).status_code == 200
    assert queues.queues[DLQ] == []
    events = container.telemetry().events
    assert [(e.name, e.attributes) for e in events] == [("PURGED_EVENT_DLQ", {"messages-on-queue": "1"})]


@pytest.mark.parametrize("path", ["/queue-admin/transfer-event-dlq", "/queue-admin/purge-event-dlq"])
def test_the_existing_endpoints_send_no_telemetry_on_an_empty_dlq(client, admin, container, path):
    assert client.put(path, headers=admin).status_code == 200
    assert container.telemetry().events == []


def test_queue_housekeeping_is_open_and_moves_messages_back(client, queues, container):
    on_dlq(queues, "{}")
    assert client.put("/queue-admin/queue-housekeeping").status_code == 200
    assert len(queues.queues[QUEUE]) == 1
    events = container.telemetry().events
    assert [(e.name, e.attributes) for e in events] == [("TRANSFERRED_EVENT_DLQ", {"messages-on-queue": "1"})]


def test_retry_dlq_by_name_counts_what_moved(client, queues, admin, container):
    on_dlq(queues, "{}", "{}", "{}")
    response = client.put(f"/queue-admin/retry-dlq/{DLQ}", headers=admin)
    assert response.json() == {"messagesFoundCount": 3}
    assert len(queues.queues[QUEUE]) == 3
    events = container.telemetry().events
    assert [(e.name, e.attributes) for e in events] == [("RetryDLQ", {"dlq-name": DLQ, "messages-found": "3"})]


def test_retry_dlq_of_an_unknown_name_is_404(client, admin):
    response = client.put("/queue-admin/retry-dlq/nope", headers=admin)
    assert response.status_code == 404
    assert response.json()["userMessage"] == "nope not found"


def test_retry_all_dlqs_is_open_and_sends_no_telemetry_when_empty(client, container):
    response = client.put("/queue-admin/retry-all-dlqs")
    assert response.status_code == 200
    assert response.json() == [{"messagesFoundCount": 0}]
    assert container.telemetry().named("RetryDLQ") == []


def test_purge_queue_purges_the_named_queue(client, queues, admin, container):
    queues.queues[QUEUE].append(("q1", "{}"))
    assert client.put(f"/queue-admin/purge-queue/{QUEUE}", headers=admin).json() == {"messagesFoundCount": 1}
    assert queues.queues[QUEUE] == []
    events = container.telemetry().events
    assert [(e.name, e.attributes) for e in events] == [("PurgeQueue", {"queue-name": QUEUE, "messages-found": "1"})]
    assert client.put("/queue-admin/purge-queue/other", headers=admin).status_code == 404


def test_get_dlq_messages_returns_parsed_bodies_up_to_the_limit(client, queues, admin):
    on_dlq(queues, json.dumps({"Type": "Notification"}), "not json", "{}")
    response = client.get(f"/queue-admin/get-dlq-messages/{DLQ}?maxMessages=2", headers=admin)
    assert response.status_code == 200
    assert response.json() == {
        "messagesFoundCount": 3,
        "messagesReturnedCount": 2,
        "messages": [
            {"body": {"Type": "Notification"}, "messageId": "id-0"},
            {"body": "not json", "messageId": "id-1"},
        ],
    }
    assert len(queues.queues[DLQ]) == 3  # peeked, not taken
    assert client.get(f"/queue-admin/get-dlq-messages/{DLQ}?maxMessages=0", headers=admin).status_code == 400
    assert client.get("/queue-admin/get-dlq-messages/other", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/queue-admin/transfer-event-dlq"),
        ("put", "/queue-admin/purge-event-dlq"),
        ("put", f"/queue-admin/retry-dlq/{DLQ}"),
        ("put", f"/queue-admin/purge-queue/{QUEUE}"),
        ("get", f"/queue-admin/get-dlq-messages/{DLQ}"),
    ],
)
def test_admin_endpoints_need_the_queue_admin_role(client, queues, auth_headers, method, path):
    on_dlq(queues, "{}")
    assert getattr(client, method)(path).status_code == 401
    assert getattr(client, method)(path, headers=auth_headers("ROLE_PTPU_REPORT")).status_code == 403
    assert len(queues.queues[DLQ]) == 1  # nothing happened
    assert getattr(client, method)(path, headers=auth_headers(ADMIN)).status_code == 200


ARN = "arn:aws:iam::123456789012:role/ptpu-service-role"


class UnreachableQueues(InMemoryQueueAdmin):
    def transfer_dlq_to_queue(self) -> int:
        raise StoreFailure(f"SQS unreachable: AccessDenied for {ARN}")


def test_a_system_failure_is_503_in_hmpps_shape_with_the_detail_only_in_the_log(container, caplog):
    # The failure's text (here a role ARN) is never returned as developerMessage.
    container.queue_admin.override(UnreachableQueues())  # before the app is built
    response = TestClient(container.app()).put("/queue-admin/queue-housekeeping")
    assert response.status_code == 503
    assert response.json()["status"] == 503
    assert response.json()["developerMessage"] == "StoreFailure: see the service log"
    assert ARN not in response.text
    assert ARN in caplog.text


@pytest.mark.parametrize("path", ["/queue-admin/purge-event-dlq", f"/queue-admin/purge-queue/{DLQ}"])
def test_a_second_purge_within_the_minute_is_429_naming_the_60_second_rule(client, queues, admin, container, path):
    """SQS allows one PurgeQueue per queue every 60 seconds and refuses another with PurgeQueueInProgress
    (AWS SQS API Reference, PurgeQueue): the caller asked too soon, nothing is down, so not a 503."""
    on_dlq(queues, "{}")
    assert client.put(path, headers=admin).status_code == 200
    on_dlq(queues, "{}")

    refused = client.put(path, headers=admin)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert "one purge of a queue every 60 seconds" in refused.json()["userMessage"]
    assert refused.json()["status"] == 429
    assert len(queues.queues[DLQ]) == 1  # not purged
    assert [e.name for e in container.telemetry().events] == [
        "PURGED_EVENT_DLQ" if path.endswith("purge-event-dlq") else "PurgeQueue"
    ]
    queues.purged_this_minute.clear()  # the minute is over
    assert client.put(path, headers=admin).status_code == 200
    assert queues.queues[DLQ] == []
