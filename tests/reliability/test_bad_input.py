"""Hostile input through the real listener, receiver and HTTP clients (moto server, simulated prison-api):
malformed SQS bodies never kill the listener, are never stored and end on the DLQ (or are ignored);
garbage upstream payloads give a business outcome or a SystemFailure, never any other exception."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_core.errors import SystemFailure
from ptpu_core.models.record import Message
from ptpu_core.outcomes import Outcome
from ptpu_core.testing import OneRecord
from ptpu_core.use_cases.receive import Reception
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from reliability import world
from reliability.harness import ReliabilityStack, wait_until

HANDLED = ["IMPRISONMENT_STATUS-CHANGED", "EXTERNAL_MOVEMENT_RECORD-INSERTED", "BOOKING_NUMBER-CHANGED",
           "SENTENCE_DATES-CHANGED", "CONFIRMED_RELEASE_DATE-CHANGED"]
UNSEEDED_BOOKING = 9_900_000  # bad messages may name a booking, never a real one
SQS_TEXT = st.characters(min_codepoint=0x20, max_codepoint=0xD7FF) | st.sampled_from("\t\n\r")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(SQS_TEXT, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(SQS_TEXT, max_size=8), inner, max_size=4),
    max_leaves=10,
)
JSON_TEXT = JSON_VALUES.map(json.dumps)
HUGE = 200_000  # SQS allows 256 KiB
WRONG = st.none() | st.text(SQS_TEXT, max_size=12) | st.floats(allow_nan=False) | st.lists(st.integers(), max_size=2)


def envelope(event_type: Any, message: Any, kind: Any = "Notification") -> str:
    return json.dumps({"Type": kind, "MessageId": str(uuid.uuid4()), "Message": message,  # unique, as SNS makes them
                       "MessageAttributes": {"eventType": {"Type": "String", "Value": event_type}}})


@st.composite
def inner_messages(draw: st.DrawFn) -> str:
    """Handled-type inner messages with fields missing, null or of the wrong type."""
    fields: dict[str, Any] = {
        "eventType": draw(st.sampled_from(HANDLED)),
        "bookingId": draw(st.integers(UNSEEDED_BOOKING, UNSEEDED_BOOKING + 99) | WRONG),
        "eventDatetime": draw(st.sampled_from(["2026-11-20T15:14:24", "yesterday", ""]) | WRONG),
        "imprisonmentStatusSeq": draw(st.integers(-2, 2) | WRONG),
        "movementSeq": draw(st.integers(-2, 2) | WRONG),
        "offenderId": draw(st.integers() | WRONG),
    }
    dropped = draw(st.sets(st.sampled_from(sorted(fields)), max_size=4))
    return json.dumps({k: v for k, v in fields.items() if k not in dropped})


BAD_BODIES = st.one_of(
    st.text(SQS_TEXT, max_size=200),
    st.binary(max_size=64).map(lambda raw: raw.hex()),
    JSON_VALUES.map(json.dumps),
    st.builds(
        envelope, st.sampled_from(HANDLED), JSON_VALUES.map(json.dumps),
        st.sampled_from(["SubscriptionConfirmation", None, 7]),
    ),
    st.builds(envelope, st.sampled_from(HANDLED), JSON_VALUES),  # Message not a string
    st.builds(envelope, WRONG, st.just("{}")),  # no usable event type
    st.builds(envelope, st.sampled_from(HANDLED), inner_messages()),
    st.builds(envelope, st.sampled_from(HANDLED), st.just(json.dumps({"bookingId": UNSEEDED_BOOKING, "x": "y" * HUGE})),
              st.just("Notification")),
    st.builds(envelope, st.text(SQS_TEXT, min_size=1, max_size=30).filter(lambda t: t not in HANDLED), JSON_TEXT),
)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReliabilityStack]:
    stack = ReliabilityStack(tmp_path_factory.mktemp("bad-input"), visibility_timeout=1).start()
    assert stack.hmpps is not None
    world.seed(stack.hmpps, 5)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def container(running: ReliabilityStack) -> Container:
    built = Container(settings=load_settings(running.env()))
    built.queue_urls()
    return built


def markers(records: list[Message]) -> list[str | None]:
    return [world.marker_of(r) for r in records]


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(bad=st.lists(BAD_BODIES, min_size=8, max_size=15), salt=st.uuids())
def test_malformed_bodies_never_kill_the_listener_are_never_stored_and_good_ones_are(
    running: ReliabilityStack, container: Container, bad: list[str], salt: Any
) -> None:
    assert running.clients is not None and running.resources is not None
    before = {r.id for r in running.records()}
    dlq_before = running.queue_counts()[2]
    good = [e for e in world.events(5) if e.fate == world.STORED]
    good_markers = {f"{e.marker}-{salt}" for e in good}
    good_bodies = [
        envelope(e.event_type, json.dumps({**e.message, "reliabilityId": f"{e.marker}-{salt}"})) for e in good
    ]
    for n in range(max(len(bad), len(good_bodies))):  # interleaved
        for bodies in (bad, good_bodies):
            if n < len(bodies):
                running.send_raw(bodies[n])

    receive = container.receiver().receive
    listener = SqsListener(running.clients.sqs, running.resources.queue_url, receive, ListenerSettings(wait_seconds=1))
    thread = listener.start()
    try:
        wait_until(running.queue_drained, 90, what="every message deleted or dead-lettered")
        assert thread.is_alive(), "the listener died"
    finally:
        assert listener.stop(30)

    new = [r for r in running.records() if r.id not in before]
    assert set(markers(new)) == good_markers, "exactly the good ones are stored"
    assert len(new) == len(good_markers)
    dead_lettered = running.queue_counts()[2] - dlq_before
    assert dead_lettered <= len(bad)
    peeked = [body for _, body in running.queue_admin().peek_dlq(10)]
    assert not any(str(salt) in body for body in peeked), "a good message was dead-lettered"


# --- upstream payloads -----------------------------------------------------------------------

def mangle(payload: Any, draw: st.DrawFn) -> Any:
    """One way to break a JSON payload: drop, null, retype or misdate a field, add one, or empty a list."""
    if isinstance(payload, list):
        return draw(st.sampled_from([[], payload, [mangle(payload[0], draw)] if payload else []]))
    key = draw(st.sampled_from(sorted(payload)))
    how = draw(st.sampled_from(["drop", "null", "retype", "bad-date", "extra"]))
    broken = dict(payload)
    if how == "drop":
        broken.pop(key)
    elif how == "null":
        broken[key] = None
    elif how == "retype":
        broken[key] = draw(st.sampled_from([["x"], {"a": 1}, "text", 12.5, True]))
    elif how == "bad-date":
        broken[key] = draw(st.sampled_from(["2026-02-30", "not a date", "", "20261120"]))
    else:
        broken["unexpectedField"] = {"nested": [1, None]}
    return broken


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_garbage_from_prison_api_gives_an_outcome_or_a_system_failure_never_a_crash(
    running: ReliabilityStack, container: Container, data: st.DataObject
) -> None:
    assert running.hmpps is not None
    booking_id = world.booking_ids(5)[0]
    prison = running.hmpps.prison
    prison.reset()
    world.seed(running.hmpps, 5)
    record = prison.records[booking_id]
    part = data.draw(st.sampled_from(["booking", "sentence_detail", "sentence_terms", "identifiers", "prisoner"]))
    # Straight into the table: put_record keys by the (possibly mangled) bookingId.
    prison.records[booking_id] = attrs.evolve(record, **{part: mangle(getattr(record, part), data.draw)})
    candidates = [e for e in world.events(5) if e.booking_id == booking_id and e.fate == world.STORED]
    event = data.draw(st.sampled_from(candidates))
    try:
        reception = container.receiver().receive(event.event_type, json.dumps(event.message))
    except SystemFailure as failure:
        # The listener logs it and leaves the message for redelivery; it must say what failed.
        assert str(failure).strip()
        return
    assert isinstance(reception, Reception)
    if reception is not Reception.STORED:
        return
    stored = [r for r in running.records() if world.marker_of(r) == event.marker and not r.is_processed]
    for message in stored:
        try:
            outcome = OneRecord(container.ports(), container.domain_settings()).process(message)
        except SystemFailure as failure:
            assert str(failure).strip()
            continue
        finally:
            container.repository().delete(message)
        assert isinstance(outcome, Outcome)
