"""The one seeded world behind the sandbox and the e2e tests: prisoners in NOMIS, offenders in
Delius, and named scenarios (`ptpu publish SCENARIO`) saying which events to publish and what
should happen. Each scenario has its own prisoner and offenders, so scenarios can run in any order.

Prisons used: MDI, LEI, WWI, BXI, PVI, HLI (set ONLY_PRISONS to include them, or leave it empty).
Dates are fixed (sentences starting in autumn 2026, expiring 2028-2031) so outcomes are repeatable.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from attrs import frozen

from ptpu_sandbox.simulators.payloads import (
    Json,
    PrisonRecord,
    community_conviction,
    custodial_conviction,
    delius_offender,
    movement,
    prison_record,
    sentence_term,
)

IGNORED = "IGNORED"  # dropped at validation: never stored, so it has no SynchroniseState


class SnsEvent(NamedTuple):
    event_type: str
    message: dict[str, Any]


@frozen
class Scenario:
    name: str
    description: str
    booking_id: int
    events: tuple[SnsEvent, ...]
    expected_state: str  # a SynchroniseState name, or IGNORED
    expected_delius_change: str
    crns: tuple[str, ...] = ()  # the Delius offenders the scenario is about


def _event(event_type: str, booking_id: int, nomis_type: str, when: str, **extra: Any) -> SnsEvent:
    message = {"eventType": event_type, "eventDatetime": when, "bookingId": booking_id, "nomisEventType": nomis_type}
    return SnsEvent(event_type, {**message, **extra})


def imprisonment_status_changed(booking_id: int, seq: int = 0) -> SnsEvent:
    return _event(
        "IMPRISONMENT_STATUS-CHANGED", booking_id, "OFF_IMP_STAT_OASYS", "2026-11-20T15:14:24.125533",
        imprisonmentStatusSeq=seq,
    )


def external_movement(booking_id: int, movement_seq: int) -> SnsEvent:
    return _event(
        "EXTERNAL_MOVEMENT_RECORD-INSERTED", booking_id, "M1_RESULT", "2026-11-20T11:33:23.790725",
        movementSeq=movement_seq,
    )


def sentence_dates_changed(booking_id: int) -> SnsEvent:
    return _event(
        "SENTENCE_DATES-CHANGED", booking_id, "S2_RESULT", "2026-11-21T11:24:32.935401",
        sentenceCalculationId=5_628_783,
    )


def confirmed_release_date_changed(booking_id: int) -> SnsEvent:
    return _event(
        "CONFIRMED_RELEASE_DATE-CHANGED", booking_id, "CONFIRMED_RELEASE_DATE-CHANGED", "2026-11-21T11:24:32.935401"
    )


def booking_number_changed(booking_id: int, offender_id: int, previous_booking_number: str) -> SnsEvent:
    return _event(
        "BOOKING_NUMBER-CHANGED", booking_id, "BOOK_UPD_OASYS", "2026-11-22T10:48:26.606784",
        offenderId=offender_id, previousBookingNumber=previous_booking_number,
    )


# Key dates as prison-api gives them (sentenceDetail) ...
STANDARD_DATES = {
    "conditionalReleaseDate": "2028-04-11",
    "licenceExpiryDate": "2030-10-11",
    "sentenceExpiryDate": "2030-10-11",
    "homeDetentionCurfewEligibilityDate": "2027-12-20",
    "releaseDate": "2028-04-11",
    "nonDtoReleaseDate": "2028-04-11",
    "nonDtoReleaseDateType": "CRD",
}
# ... and as Delius holds them before any update (custody.keyDates).
OLD_DELIUS_DATES = {
    "conditionalReleaseDate": "2027-05-01",
    "licenceExpiryDate": "2029-05-01",
    "hdcEligibilityDate": "2027-01-15",
    "sentenceExpiryDate": "2029-05-01",
    "expectedReleaseDate": "2027-05-01",
}

PRISON_RECORDS: list[PrisonRecord] = [
    # new-conviction, modelled on fixture booking 1200835: two non-consecutive terms (latest start wins)
    prison_record(
        booking_id=1200835, offender_no="A5089DY", booking_no="38339A", first_name="ANDY", last_name="MARKE",
        date_of_birth="1970-01-01", agency_id="MDI", sentence_start="2026-10-12", key_dates=STANDARD_DATES,
        terms=[
            sentence_term(1200835, 61, "2026-10-12"),
            sentence_term(1200835, 62, "2027-06-01", consecutive_to=61),
            sentence_term(1200835, 69, "2026-09-01"),
        ],
        movements={1: movement("A5089DY", "LEEDCC", "MDI", "2026-10-12T11:33:23.666789")},
    ),
    prison_record(  # no-match
        booking_id=1200836, offender_no="A5090DY", booking_no="38340A", first_name="JOHN", last_name="ASHWORTH",
        date_of_birth="1988-05-23", agency_id="LEI", sentence_start="2026-11-02", key_dates=STANDARD_DATES,
        pnc="2015/0012345X",
    ),
    prison_record(  # too-many-matches
        booking_id=1200837, offender_no="A5091DY", booking_no="38341A", first_name="DAVID", last_name="JONES",
        date_of_birth="1985-03-14", agency_id="BXI", sentence_start="2026-10-20", key_dates=STANDARD_DATES,
    ),
    prison_record(  # already-linked (Delius knows him as "Mike", so only the NOMS number matches)
        booking_id=1200838, offender_no="A5092DY", booking_no="38342A", first_name="MICHAEL", last_name="OBRIEN",
        date_of_birth="1979-08-02", agency_id="WWI", sentence_start="2026-09-28", key_dates=STANDARD_DATES,
    ),
    prison_record(  # transfer: admitted to Leeds, then to Pentonville
        booking_id=1200839, offender_no="A5093DY", booking_no="38343A", first_name="PETER", last_name="HALL",
        date_of_birth="1975-12-01", agency_id="PVI", sentence_start="2026-06-01", key_dates=STANDARD_DATES,
        movements={
            1: movement("A5093DY", "LEEDCC", "LEI", "2026-06-01T14:02:11.000000"),
            2: movement("A5093DY", "LEI", "PVI", "2026-11-20T10:15:42.000000"),
        },
    ),
    prison_record(  # sentence-dates: recalculated, with a CRD override
        booking_id=1200840, offender_no="A5094DY", booking_no="38344A", first_name="SIMON", last_name="CLARKE",
        date_of_birth="1990-02-17", agency_id="HLI", sentence_start="2026-03-02",
        key_dates={
            "conditionalReleaseDate": "2027-08-15",
            "conditionalReleaseOverrideDate": "2027-07-30",
            "licenceExpiryDate": "2028-08-14",
            "sentenceExpiryDate": "2028-08-14",
            "homeDetentionCurfewEligibilityDate": "2027-04-01",
            "paroleEligibilityDate": "2027-06-30",
            "topupSupervisionExpiryDate": "2029-08-14",
            "releaseDate": "2027-07-30",
        },
    ),
    prison_record(  # confirmed-release-date
        booking_id=1200841, offender_no="A5095DY", booking_no="38345A", first_name="GARY", last_name="WHITE",
        date_of_birth="1982-07-09", agency_id="MDI", sentence_start="2026-02-10",
        key_dates={**STANDARD_DATES, "confirmedReleaseDate": "2027-01-15", "releaseDate": "2027-01-15"},
    ),
    prison_record(  # merge: two NOMIS records merged; Delius still has the old NOMS number
        booking_id=1200842, offender_no="A5096DY", booking_no="38346A", first_name="LEE", last_name="TAYLOR",
        date_of_birth="1992-11-30", agency_id="LEI", sentence_start="2026-08-17", key_dates=STANDARD_DATES,
        merged=["A9996DY"],
    ),
    prison_record(  # released: booking no longer active
        booking_id=1200843, offender_no="A5097DY", booking_no="38347A", first_name="KEVIN", last_name="MOORE",
        date_of_birth="1968-04-04", agency_id="WWI", sentence_start="2026-10-05", key_dates=STANDARD_DATES,
        active=False,
    ),
    prison_record(  # no-match-sentence-date: Delius only has an older custodial sentence
        booking_id=1200844, offender_no="A5098DY", booking_no="38348A", first_name="ROBERT", last_name="KING",
        date_of_birth="1983-01-26", agency_id="BXI", sentence_start="2026-11-09", key_dates=STANDARD_DATES,
    ),
]

DELIUS_OFFENDERS: list[Json] = [
    delius_offender(
        offender_id=2500166978, crn="X142620", first_name="Andy", surname="Marke", date_of_birth="1970-01-01",
        cro="sg93/111111d",
        convictions=[
            custodial_conviction(2500283547, "2026-10-14"),
            community_conviction(2500258955, "2024-10-31", active=False),
        ],
    ),
    *(
        delius_offender(
            offender_id=offender_id, crn=crn, first_name="David", surname="Jones", date_of_birth="1985-03-14",
            convictions=[custodial_conviction(conviction_id, start)],
        )
        for offender_id, crn, conviction_id, start in (
            (2500200001, "X200001", 2500300001, "2026-10-21"),
            (2500200002, "X200002", 2500300002, "2026-10-19"),
        )
    ),
    delius_offender(
        offender_id=2500200003, crn="X200003", first_name="Mike", surname="Obrien", date_of_birth="1979-08-02",
        noms="A5092DY", convictions=[custodial_conviction(2500300003, "2026-09-28")],
    ),
    delius_offender(
        offender_id=2500200004, crn="X200004", first_name="Peter", surname="Hall", date_of_birth="1975-12-01",
        noms="A5093DY",
        convictions=[
            custodial_conviction(
                2500300004, "2026-06-01", booking_number="38343A", prison="LEI", key_dates=OLD_DELIUS_DATES
            )
        ],
    ),
    delius_offender(
        offender_id=2500200005, crn="X200005", first_name="Simon", surname="Clarke", date_of_birth="1990-02-17",
        noms="A5094DY",
        convictions=[
            custodial_conviction(
                2500300005, "2026-03-02", booking_number="38344A", prison="HLI", key_dates=OLD_DELIUS_DATES
            )
        ],
    ),
    delius_offender(
        offender_id=2500200006, crn="X200006", first_name="Gary", surname="White", date_of_birth="1982-07-09",
        noms="A5095DY",
        convictions=[
            custodial_conviction(
                2500300006, "2026-02-10", booking_number="38345A", prison="MDI", key_dates=OLD_DELIUS_DATES
            )
        ],
    ),
    delius_offender(
        offender_id=2500200007, crn="X200007", first_name="Lee", surname="Taylor", date_of_birth="1992-11-30",
        noms="A9996DY",
        convictions=[custodial_conviction(2500300007, "2026-08-17", booking_number="38346A", prison="LEI")],
    ),
    delius_offender(
        offender_id=2500200008, crn="X200008", first_name="Robert", surname="King", date_of_birth="1983-01-26",
        convictions=[custodial_conviction(2500300008, "2023-03-01", booking_number="11223B", prison="BXI")],
    ),
    delius_offender(
        offender_id=2500200009, crn="X200009", first_name="Kevin", surname="Moore", date_of_birth="1968-04-04",
        convictions=[custodial_conviction(2500300009, "2026-10-05")],
    ),
]

_SCENARIOS = [
    Scenario(
        "new-conviction", "A new custodial sentence for a prisoner Delius knows only by name and date of birth.",
        1200835, (imprisonment_status_changed(1200835),), "COMPLETED",
        "X142620 gets NOMS number A5089DY; its custody gets book number 38339A, "
        "institution Moorland (HMP & YOI) and the prison's key dates.",
        ("X142620",),
    ),
    Scenario(
        "no-match", "A new sentence for a prisoner probation has no record of.",
        1200836, (imprisonment_status_changed(1200836),), "NO_MATCH", "None.",
    ),
    Scenario(
        "no-match-sentence-date", "Probation knows the prisoner, but only from an older custodial sentence.",
        1200844, (imprisonment_status_changed(1200844),), "NO_MATCH_WITH_SENTENCE_DATE", "None.", ("X200008",),
    ),
    Scenario(
        "too-many-matches", "Two probation records match, both with a custodial sentence starting that week.",
        1200837, (imprisonment_status_changed(1200837),), "TOO_MANY_MATCHES", "None.", ("X200001", "X200002"),
    ),
    Scenario(
        "already-linked", "A new sentence for a prisoner whose NOMS number Delius already holds (HMPPS_KEY).",
        1200838, (imprisonment_status_changed(1200838),), "COMPLETED",
        "X200003 custody gets book number 38342A, institution Wandsworth (HMP) and key dates; "
        "NOMS number unchanged.",
        ("X200003",),
    ),
    Scenario(
        "transfer", "A linked prisoner is admitted to Pentonville from Leeds.",
        1200839, (external_movement(1200839, 2),), "COMPLETED",
        "X200004 custody 38343A moves from Leeds (HMP) to Pentonville (HMP).", ("X200004",),
    ),
    Scenario(
        "sentence-dates", "NOMIS recalculates a linked prisoner's sentence dates (with a CRD override).",
        1200840, (sentence_dates_changed(1200840),), "COMPLETED",
        "X200005 custody 38344A key dates replaced: CRD 2027-07-30 (the override), LED/SED 2028-08-14, "
        "HDCED 2027-04-01, PED 2027-06-30, PSSED 2029-08-14.",
        ("X200005",),
    ),
    Scenario(
        "confirmed-release-date", "A confirmed release date is set for a linked prisoner.",
        1200841, (confirmed_release_date_changed(1200841),), "COMPLETED",
        "X200006 custody 38345A key dates replaced, expectedReleaseDate 2027-01-15.", ("X200006",),
    ),
    Scenario(
        "merge", "Two NOMIS records are merged; Delius still holds the old NOMS number A9996DY.",
        1200842, (booking_number_changed(1200842, 2581805, "38430A"),), "COMPLETED",
        "X200007 NOMS number changes from A9996DY to A5096DY.", ("X200007",),
    ),
    Scenario(
        "released", "A status change on a booking that is no longer active.",
        1200843, (imprisonment_status_changed(1200843),), IGNORED, "None (dropped at validation).", ("X200009",),
    ),
    Scenario(
        "not-sequence-zero", "The second of NOMIS's three status events for one sentence.",
        1200835, (imprisonment_status_changed(1200835, seq=1),), IGNORED, "None (dropped at validation).",
    ),
]

SCENARIOS: dict[str, Scenario] = {s.name: s for s in _SCENARIOS}
