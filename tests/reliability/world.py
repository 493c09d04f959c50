"""A generated world of N linked prisoners and the events published about them, each event with a
known fate, so a run can be audited event by event.

Every booking gets five events: three that are stored and end COMPLETED (status change seq 0,
sentence dates, confirmed release date: all write Delius, and repeating them is harmless), one that
is dropped at validation (status change seq 1) and one of a type we do not handle (ignored).
Each message carries a `reliabilityId` so its stored record can be found again.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from attrs import frozen

from ptpu_core.models.record import Message
from ptpu_sandbox.simulators import SimulatedHmpps
from ptpu_sandbox.simulators.payloads import custodial_conviction, delius_offender, prison_record

FIRST_BOOKING = 7_100_000
PRISONS = ("MDI", "LEI", "WWI", "BXI", "PVI", "HLI")
KEY_DATES = {
    "conditionalReleaseDate": "2028-04-11",
    "licenceExpiryDate": "2030-10-11",
    "sentenceExpiryDate": "2030-10-11",
    "homeDetentionCurfewEligibilityDate": "2027-12-20",
    "releaseDate": "2028-04-11",
}
OLD_DELIUS_DATES = {"conditionalReleaseDate": "2027-05-01", "sentenceExpiryDate": "2029-05-01"}

STORED, DROPPED, IGNORED = "STORED", "DROPPED", "IGNORED"


@frozen
class PlannedEvent:
    marker: str
    booking_id: int
    event_type: str
    message: dict[str, Any]
    fate: str  # STORED, DROPPED (at validation) or IGNORED (type not handled)


def booking_ids(count: int) -> list[int]:
    return [FIRST_BOOKING + n for n in range(count)]


def seed(hmpps: SimulatedHmpps, count: int) -> None:
    """Prison records and linked Delius offenders (NOMS and book numbers already known)."""
    for n, booking_id in enumerate(booking_ids(count)):
        offender_no, booking_no, prison = f"R{n:04d}XY", f"{70000 + n}R", PRISONS[n % len(PRISONS)]
        hmpps.prison.put_record(prison_record(
            booking_id=booking_id, offender_no=offender_no, booking_no=booking_no, first_name="TEST",
            last_name=f"PERSON{n}", date_of_birth="1980-01-01", agency_id=prison, sentence_start="2026-10-12",
            key_dates=KEY_DATES,
        ))
        hmpps.delius.put_offender(delius_offender(
            offender_id=2_700_000_000 + n, crn=f"R{n:06d}", first_name="Test", surname=f"Person{n}",
            date_of_birth="1980-01-01", noms=offender_no,
            convictions=[custodial_conviction(
                2_800_000_000 + n, "2026-10-12", booking_number=booking_no, prison=prison,
                key_dates=OLD_DELIUS_DATES,
            )],
        ))


def events(count: int) -> list[PlannedEvent]:
    """Five events per booking, interleaved across bookings as a busy queue would deliver them."""
    per_booking = [list(_events_for(booking_id)) for booking_id in booking_ids(count)]
    return [batch[i] for i in range(5) for batch in per_booking]


def _events_for(booking_id: int) -> Iterable[PlannedEvent]:
    def event(kind: int, event_type: str, fate: str, **extra: Any) -> PlannedEvent:
        marker = f"{booking_id}-{kind}"
        message = {
            "eventType": event_type, "eventDatetime": "2026-11-20T15:14:24.125533", "bookingId": booking_id,
            "nomisEventType": "RELIABILITY", "reliabilityId": marker, **extra,
        }
        return PlannedEvent(marker, booking_id, event_type, message, fate)

    yield event(0, "IMPRISONMENT_STATUS-CHANGED", STORED, imprisonmentStatusSeq=0)
    yield event(1, "SENTENCE_DATES-CHANGED", STORED, sentenceCalculationId=5_628_783)
    yield event(2, "CONFIRMED_RELEASE_DATE-CHANGED", STORED)
    yield event(3, "IMPRISONMENT_STATUS-CHANGED", DROPPED, imprisonmentStatusSeq=1)
    yield event(4, "OFFENDER_ALERT-INSERTED", IGNORED)


def sns_body(planned: PlannedEvent) -> str:
    """The SQS body SNS would deliver (used for types the topic's filter policy would drop)."""
    return json.dumps({
        "Type": "Notification", "MessageId": f"sns-{planned.marker}", "Message": json.dumps(planned.message),
        "MessageAttributes": {"eventType": {"Type": "String", "Value": planned.event_type}},
    })


def marker_of(record: Message) -> str | None:
    try:
        return json.loads(record.message).get("reliabilityId")
    except ValueError:
        return None


@frozen
class Audit:
    """Where every published event ended up."""

    published: int
    stored: int  # distinct planned-to-store events with a record
    ignored: int  # dropped or ignored events: gone from the queue, never stored
    dead_lettered: int
    lost: int  # planned-to-store events with no record, plus any event still on the queue
    wrongly_stored: int  # records of events that should never have been stored
    extra_records: int  # second records of one event (at-least-once redelivery)
    not_final: list[str]  # stored events whose record is not COMPLETED

    @property
    def accounted(self) -> int:
        return self.stored + self.ignored + self.dead_lettered


def audit(planned: list[PlannedEvent], records: list[Message], dead_lettered: int, left_on_queue: int) -> Audit:
    per_marker = Counter(marker_of(r) for r in records)
    by_marker = {p.marker: p for p in planned}
    stored = [p for p in planned if p.fate == STORED and per_marker[p.marker] > 0]
    expected_stored = sum(1 for p in planned if p.fate == STORED)
    not_stored = [p for p in planned if p.fate != STORED]
    wrongly = sum(per_marker[p.marker] for p in not_stored)
    unknown = sum(count for marker, count in per_marker.items() if marker not in by_marker)
    not_final = sorted(
        str(marker_of(r)) for r in records if r.status is None or r.status.value != "COMPLETED" or not r.is_processed
    )
    ignored = len(not_stored) - wrongly if left_on_queue == 0 else 0
    return Audit(
        published=len(planned),
        stored=len(stored),
        ignored=ignored,
        dead_lettered=dead_lettered,
        lost=(expected_stored - len(stored)) + left_on_queue,
        wrongly_stored=wrongly + unknown,
        extra_records=sum(count - 1 for count in per_marker.values() if count > 1),
        not_final=not_final,
    )


def delius_state(hmpps: SimulatedHmpps, count: int) -> dict[str, Any]:
    """The part of simulated Delius this world changes, keyed by CRN."""
    state = {}
    for n in range(count):
        offender = hmpps.delius.offender(f"R{n:06d}")
        assert offender is not None
        state[f"R{n:06d}"] = {"ids": offender["otherIds"], "custody": offender["convictions"][0]["custody"]}
    return state
