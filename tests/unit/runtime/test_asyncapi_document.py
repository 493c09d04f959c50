"""The AsyncAPI document describes what ptpu consumes and publishes, and is served.

Checked against references nobody on the team wrote: the AsyncAPI Initiative's JSON schema of 3.0.0
documents (tests/fixtures/asyncapi), the offender events captured from NOMIS in 2021
(tests/fixtures/original-2021/messages) and domain events as the estate's services write them
(tests/fixtures/domain-events).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from asyncapi_schemas import document, errors, messages, payload_validator, validator
from jsonschema import Draft7Validator

from ptpu_adapters.sns.domain_event_topic import event_body, message_attributes
from ptpu_core.models.events import EventType
from ptpu_core.work.domain_events import (
    PRISON_IDENTIFIER_ADDED,
    PRISON_IDENTIFIER_UPDATED,
    prison_identifier_added,
    prison_identifier_updated,
)
from ptpu_runtime.api.app import ASYNCAPI_PATH

FIXTURES = Path(__file__).parents[2] / "fixtures"
CAPTURED = sorted((FIXTURES / "original-2021" / "messages").glob("*.json"))
ESTATE_EVENTS = sorted((FIXTURES / "domain-events").glob("*.json"))
MOMENT = datetime(2021, 7, 1, 11, 0, 5, 123456, tzinfo=UTC)


def test_the_document_is_a_valid_asyncapi_3_document() -> None:
    schema = json.loads((FIXTURES / "asyncapi" / "asyncapi-3.0.0.schema.json").read_text())

    assert document()["asyncapi"] == "3.0.0"
    assert errors(Draft7Validator(schema), document()) == []


def test_every_message_schema_is_a_valid_json_schema() -> None:
    for name in document()["components"]["schemas"]:
        Draft7Validator.check_schema(document()["components"]["schemas"][name])  # raises SchemaError


def test_it_lists_every_event_type_ptpu_processes_and_publishes() -> None:
    channels = document()["channels"]
    consumed = {channels["prisonEventQueue"]["messages"][key]["$ref"].rsplit("/", 1)[1]
                for key in channels["prisonEventQueue"]["messages"]}
    published = {channels["domainEventTopic"]["messages"][key]["$ref"].rsplit("/", 1)[1]
                 for key in channels["domainEventTopic"]["messages"]}
    names = {key: message["name"] for key, message in document()["components"]["messages"].items()}

    assert {names[key] for key in consumed} == {kind.value for kind in EventType}
    assert {names[key] for key in published} == {PRISON_IDENTIFIER_ADDED, PRISON_IDENTIFIER_UPDATED}
    assert document()["operations"]["receivePrisonOffenderEvents"]["action"] == "receive"
    assert document()["operations"]["publishDomainEvents"]["action"] == "send"


def test_every_example_in_the_document_fits_its_schema() -> None:
    checked = 0
    for message in messages().values():
        for example in message.get("examples", []):
            assert errors(payload_validator(message["name"]), example["payload"]) == [], message["name"]
            checked += 1
    assert checked == 3


@pytest.mark.parametrize("path", CAPTURED, ids=lambda path: path.stem)
def test_offender_events_captured_from_nomis_fit_the_consumed_schemas(path: Path) -> None:
    envelope = json.loads(path.read_text())
    inner = json.loads(envelope["Message"])
    event_type = envelope["MessageAttributes"]["eventType"]["Value"]

    assert errors(validator("SnsNotification"), envelope) == []
    if EventType.of(event_type) is None:
        assert event_type not in messages()  # not one ptpu handles: acknowledged, stored COMPLETED
        return
    assert errors(payload_validator(event_type), inner) == []


def test_a_consumed_schema_refuses_what_ptpu_would_refuse() -> None:
    movement = payload_validator(EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED.value)

    assert errors(movement, {"eventType": "EXTERNAL_MOVEMENT_RECORD-INSERTED", "bookingId": "12"}) == [
        ": 'movementSeq' is a required property"
    ]
    assert errors(movement, {"eventType": "EXTERNAL_MOVEMENT_RECORD-INSERTED", "bookingId": "x", "movementSeq": 1})


@pytest.mark.parametrize("path", ESTATE_EVENTS, ids=lambda path: path.stem)
def test_domain_events_as_the_estate_writes_them_fit_the_published_schemas(path: Path) -> None:
    event = json.loads(path.read_text())

    assert errors(payload_validator(event["eventType"]), event) == []


def test_the_events_ptpu_builds_fit_the_published_schemas() -> None:
    added = prison_identifier_added("X100001", "A5089DY", "38339A", MOMENT)
    updated = prison_identifier_updated("X100001", "A5089DY", "A1111AA", "38339A", MOMENT)

    for event in (added, updated):
        assert errors(payload_validator(event.event_type), event_body(event)) == []
        assert errors(validator("DomainEventAttributes"), {"eventType": event.event_type}) == []
    assert event_body(added)["occurredAt"] == "2021-07-01T12:00:05.123456+01:00"


def test_the_published_schemas_refuse_a_malformed_event() -> None:
    body = event_body(prison_identifier_updated("X100001", "A5089DY", "A1111AA", "38339A", MOMENT))
    schema = payload_validator(PRISON_IDENTIFIER_UPDATED)

    assert errors(schema, {**body, "additionalInformation": {"bookingNumber": "38339A"}}) == [
        "additionalInformation: 'previousNomsNumber' is a required property"
    ]
    assert errors(schema, {**body, "personReference": {"identifiers": [{"type": "CRN", "value": "X100001"}]}})
    assert errors(schema, {**body, "occurredAt": "2021-07-01 12:00"})
    assert errors(payload_validator(PRISON_IDENTIFIER_ADDED), body)  # an updated event is not an added one


def test_the_message_attributes_are_the_event_type_as_a_string() -> None:
    event = prison_identifier_added("X100001", "A5089DY", "38339A", MOMENT)

    assert message_attributes(event) == {
        "eventType": {"DataType": "String", "StringValue": "probation-case.prison-identifier.added"}
    }


def test_the_document_is_served_beside_the_openapi_one_without_a_token(client) -> None:
    answer = client.get(ASYNCAPI_PATH)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(answer.text) == document()
    assert client.get("/v3/api-docs").status_code == 200
    assert ASYNCAPI_PATH not in client.get("/v3/api-docs").json()["paths"]
