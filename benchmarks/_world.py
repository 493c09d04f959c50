"""A generated world of many bookings, in prison-api's and Delius's JSON shapes, each able to sync fully:
the prisoner is active at MDI with a sentence, an admission movement 1 and a merged old NOMS number; Delius
holds a matching offender (by name and date of birth) with one custodial conviction starting on that date."""

from __future__ import annotations

from ptpu_sandbox.simulators.payloads import (
    Json,
    PrisonRecord,
    custodial_conviction,
    delius_offender,
    movement,
    prison_record,
)
from ptpu_sandbox.simulators.seed import STANDARD_DATES

SENTENCE_START = "2026-10-12"
PRISON = "MDI"


def offender_no(index: int) -> str:
    return f"B{index:04d}BZ"


def crn(index: int) -> str:
    return f"Z{index:06d}"


def bench_prison_record(booking_id: int, index: int) -> PrisonRecord:
    noms = offender_no(index)
    return prison_record(
        booking_id=booking_id,
        offender_no=noms,
        booking_no=f"{index:05d}B",
        first_name="BENCH",
        last_name=f"PERSON{index}",
        date_of_birth="1980-01-01",
        agency_id=PRISON,
        sentence_start=SENTENCE_START,
        key_dates=STANDARD_DATES,
        movements={1: movement(noms, "LEEDCC", PRISON, "2026-10-12T11:33:23.666789")},
        merged=[f"M{index:04d}OLD"],
    )


def bench_delius_offender(index: int) -> Json:
    return delius_offender(
        offender_id=9_000_000 + index,
        crn=crn(index),
        first_name="BENCH",
        surname=f"PERSON{index}",
        date_of_birth="1980-01-01",
        convictions=[custodial_conviction(8_000_000 + index, SENTENCE_START, prison="LEI")],
    )
