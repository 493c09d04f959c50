"""No 500 for bad input: every numeric parameter has a documented range that the service
enforces with a 400; the date-time filters are documented with a pattern whose every match is accepted;
get-dlq-messages shows any DLQ body, parsed when it can be, otherwise as the string it is."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptpu_runtime.api.reports import LOCAL_DATE_TIME_FORMAT, MAX_DAYS
from ptpu_runtime.testing import LOCAL_DATE_TIME_PATTERN

DLQ = "prison_to_probation_dlq"
DAY_PARAMETERS = [("/report/not-matched", "daysOld"), ("/report/match-summary", "slaDays")]


@pytest.fixture
def reporter(auth_headers) -> dict[str, str]:
    return auth_headers("ROLE_PTPU_REPORT")


@pytest.fixture
def admin(auth_headers) -> dict[str, str]:
    return auth_headers("ROLE_PTPU_QUEUE_ADMIN")


@pytest.mark.parametrize(("path", "name"), DAY_PARAMETERS)
@pytest.mark.parametrize("days", ["740000", "999999999", "36501", str(2**63), "-1"])
def test_a_day_count_outside_its_range_is_400_never_a_date_overflow(client, reporter, path, name, days):
    # 740000 days before now is before year 1, where timedelta arithmetic raises OverflowError (a 500).
    response = client.get(f"{path}?{name}={days}", headers=reporter)
    assert response.status_code == 400, response.text
    assert name in response.json()["userMessage"]


@pytest.mark.parametrize(("path", "name"), DAY_PARAMETERS)
@pytest.mark.parametrize("days", ["0", "7", str(MAX_DAYS)])
def test_a_day_count_within_its_range_is_answered(client, reporter, path, name, days):
    assert client.get(f"{path}?{name}={days}", headers=reporter).status_code == 200


@pytest.mark.parametrize("limit", ["0", "1001", "-5", "many"])
def test_max_messages_outside_its_range_is_400(client, admin, limit):
    response = client.get(f"/queue-admin/get-dlq-messages/{DLQ}?maxMessages={limit}", headers=admin)
    assert response.status_code == 400
    assert "maxMessages" in response.json()["userMessage"]


def documented_parameters(client) -> list[tuple[str, dict]]:
    spec = client.get("/v3/api-docs").json()
    return [
        (f"{method.upper()} {path} {parameter['name']}", parameter["schema"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
    ]


def test_every_numeric_parameter_documents_its_range(client):
    numeric = {name: schema for name, schema in documented_parameters(client) if schema.get("type") == "integer"}
    assert set(numeric) == {
        "GET /report/not-matched daysOld", "GET /report/match-summary slaDays",
        "GET /queue-admin/get-dlq-messages/{dlqName} maxMessages", "POST /retry-system-failures maxBookings",
    }
    for name, schema in numeric.items():
        assert "minimum" in schema and "maximum" in schema, name


def test_every_date_time_filter_documents_its_format_and_an_example_not_the_long_pattern(client):
    date_times = {name: schema for name, schema in documented_parameters(client) if name.endswith("DateTime")}
    assert len(date_times) == 6
    for name, schema in date_times.items():
        assert schema.get("format") == LOCAL_DATE_TIME_FORMAT, name
        assert re.fullmatch(LOCAL_DATE_TIME_PATTERN, schema.get("example", "")), name
        assert "pattern" not in schema, name  # Swagger UI would show its 300 characters


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.from_regex(LOCAL_DATE_TIME_PATTERN, fullmatch=True))
def test_every_value_the_pattern_admits_is_accepted(client, reporter, value):
    # The schema-valid-but-rejected check of schemathesis, exhaustively for the date-time pattern.
    response = client.get("/report/processed", params={"createdDateStartDateTime": value}, headers=reporter)
    assert response.status_code == 200, (value, response.text)


@pytest.mark.parametrize("value", ["2021-02-29T00:00:00", "2100-02-29T00:00", "2021-04-31T00:00", "0999-01-01T00:00",
                                   "2021-01-01T24:00", "2021-01-01", "2021-01-01T10:00:00Z"])
def test_the_pattern_refuses_what_is_not_a_local_date_time(value):
    assert re.fullmatch(LOCAL_DATE_TIME_PATTERN, value) is None


def on_dlq(container, *bodies: str) -> None:
    container.queue_admin().queues[DLQ].extend((f"id-{n}", body) for n, body in enumerate(bodies))


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * 65 + "]" * 65, "not json {", "\x00\x01 binary",
     '{"Message": "unterminated'],
    ids=["deep-unclosed-array", "deep-object", "just-too-deep", "not-json", "control-chars", "truncated"],
)
def test_a_dlq_body_too_deep_or_not_json_is_shown_as_the_string_it_is(client, container, admin, body):
    on_dlq(container, body)
    response = client.get(f"/queue-admin/get-dlq-messages/{DLQ}", headers=admin)
    assert response.status_code == 200
    assert response.json()["messages"] == [{"body": body, "messageId": "id-0"}]


def test_a_dlq_body_of_ordinary_json_is_shown_parsed(client, container, admin):
    envelope = {"Type": "Notification", "Message": json.dumps({"bookingId": 1}), "nested": [[[[{"ok": True}]]]]}
    on_dlq(container, json.dumps(envelope), "[" * 64 + "]" * 64)
    messages = client.get(f"/queue-admin/get-dlq-messages/{DLQ}", headers=admin).json()["messages"]
    assert messages[0]["body"] == envelope
    assert isinstance(messages[1]["body"], list)  # 64 deep is still shown parsed
