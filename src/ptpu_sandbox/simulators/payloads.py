"""Builders for seed data in the exact JSON shapes of prison-api and community-api
(copied from fixtures/original-2021/api-mappings), so seed.py reads as a list of facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from ptpu_sandbox.simulators.prisons import PRISONS, UNKNOWN_INSTITUTION, institution

Json = dict[str, Any]

COURTS = {
    "ABRYCT": "Aberystwyth County Court",
    "LEEDCC": "Leeds Crown Court",
    "SHEFCC": "Sheffield Crown Court",
    "SWKCC": "Southwark Crown Court",
}


def agency_description(agency_id: str) -> str:
    prison = PRISONS.get(agency_id)
    return prison.description if prison else COURTS.get(agency_id, agency_id)


@frozen
class PrisonRecord:
    """Everything prison-api says about one booking."""

    booking: Json
    sentence_detail: Json
    sentence_terms: list[Json]
    movements: dict[int, Json]
    identifiers: list[Json]
    prisoner: Json

    @property
    def booking_id(self) -> int:
        return int(self.booking["bookingId"])

    @property
    def offender_no(self) -> str:
        return str(self.booking["offenderNo"])


def sentence_term(booking_id: int, sequence: int, start_date: str, consecutive_to: int | None = None) -> Json:
    term: Json = {
        "bookingId": booking_id,
        "sentenceSequence": sequence,
        "termSequence": 1,
        "sentenceType": "ADIMP_ORA",
        "sentenceTypeDescription": "ORA CJA03 Standard Determinate Sentence",
        "startDate": start_date,
        "weeks": 26,
        "lifeSentence": False,
        "caseId": str(3_000_000 + booking_id % 100_000),
        "sentenceTermCode": "IMP",
        "lineSeq": sequence,
        "sentenceStartDate": start_date,
    }
    if consecutive_to is not None:
        term["consecutiveTo"] = consecutive_to
    return term


def movement(
    offender_no: str, from_agency: str, to_agency: str, created: str, movement_type: str = "ADM"
) -> Json:
    return {
        "offenderNo": offender_no,
        "createDateTime": created,
        "fromAgency": from_agency,
        "fromAgencyDescription": agency_description(from_agency),
        "toAgency": to_agency,
        "toAgencyDescription": agency_description(to_agency),
        "fromCity": "",
        "toCity": "",
        "movementType": movement_type,
        "movementTypeDescription": "Admission" if movement_type == "ADM" else "Transfer",
        "directionCode": "IN" if movement_type == "ADM" else "OUT",
        "movementTime": created[11:19],
        "movementReason": "Sentenced",
        "commentText": None,
    }


def prison_record(
    *,
    booking_id: int,
    offender_no: str,
    booking_no: str,
    first_name: str,
    last_name: str,
    date_of_birth: str,
    agency_id: str,
    sentence_start: str | None,
    key_dates: Mapping[str, str],
    active: bool = True,
    terms: list[Json] | None = None,
    movements: Mapping[int, Json] | None = None,
    merged: Iterable[str] = (),
    pnc: str | None = None,
    cro: str | None = None,
    recall: bool = False,
    legal_status: str = "SENTENCED",
) -> PrisonRecord:
    location = agency_description(agency_id) if active else f"Outside - released from {agency_description(agency_id)}"
    booking = {
        "bookingId": booking_id,
        "bookingNo": booking_no,
        "offenderNo": offender_no,
        "firstName": first_name,
        "lastName": last_name,
        "dateOfBirth": date_of_birth,
        "agencyId": agency_id if active else "OUT",
        "assignedLivingUnitId": 25_000 + booking_id % 1000,
        "activeFlag": active,
        "locationDescription": location,
        "recall": recall,
        "legalStatus": legal_status,
    }
    detail: Json = {"bookingId": booking_id, **key_dates}
    if sentence_start is not None:
        detail["sentenceStartDate"] = sentence_start
    if terms is None:
        terms = [sentence_term(booking_id, 1, sentence_start)] if sentence_start else []
    prisoner = {
        "offenderNo": offender_no,
        "pncNumber": pnc,
        "croNumber": cro,
        "firstName": first_name,
        "lastName": last_name,
        "dateOfBirth": date_of_birth,
        "gender": "Male",
        "sexCode": "M",
        "currentlyInPrison": "Y" if active else "N",
        "latestBookingId": booking_id,
        "latestLocationId": booking["agencyId"],
        "latestLocation": location,
        "internalLocation": f"{agency_id}-1-1-0{booking_id % 100:02d}",
        "convictedStatus": "Convicted",
        "imprisonmentStatus": "SENT03",
        "receptionDate": sentence_start,
    }
    return PrisonRecord(
        booking=booking,
        sentence_detail=detail,
        sentence_terms=terms,
        movements=dict(movements or {}),
        identifiers=[{"type": "MERGED", "value": old} for old in merged],
        prisoner=prisoner,
    )


def custodial_conviction(
    conviction_id: int,
    start_date: str,
    *,
    booking_number: str | None = None,
    prison: str | None = None,
    key_dates: Mapping[str, str] | None = None,
    active: bool = True,
) -> Json:
    conviction = _conviction(conviction_id, start_date, "CJA - Std Determinate Custody", "301", active)
    conviction["custody"] = {
        "bookingNumber": booking_number,
        "institution": institution(prison) if prison else dict(UNKNOWN_INSTITUTION),
        "keyDates": dict(key_dates or {}),
    }
    return conviction


def community_conviction(conviction_id: int, start_date: str, active: bool = True) -> Json:
    return _conviction(conviction_id, start_date, "CJA - Community Order", "201", active)


def _conviction(conviction_id: int, start_date: str, description: str, outcome: str, active: bool) -> Json:
    return {
        "convictionId": conviction_id,
        "index": str(conviction_id % 10),
        "active": active,
        "inBreach": False,
        "convictionDate": start_date,
        "referralDate": start_date,
        "offences": [
            {
                "offenceId": f"M{conviction_id}",
                "mainOffence": True,
                "detail": {"code": "02800", "description": "Burglary (dwelling) - 02800"},
                "offenceDate": f"{start_date}T00:00:00",
                "offenceCount": 1,
            }
        ],
        "sentence": {
            "description": description,
            "originalLength": 24,
            "originalLengthUnits": "Months",
            "defaultLength": 24,
            "lengthInDays": 730,
            "startDate": start_date,
        },
        "latestCourtAppearanceOutcome": {"code": outcome, "description": description},
    }


def delius_offender(
    *,
    offender_id: int,
    crn: str,
    first_name: str,
    surname: str,
    date_of_birth: str,
    convictions: list[Json],
    noms: str | None = None,
    pnc: str | None = None,
    cro: str | None = None,
) -> Json:
    return {
        "offenderId": offender_id,
        "firstName": first_name,
        "surname": surname,
        "dateOfBirth": date_of_birth,
        "gender": "Male",
        "otherIds": {"crn": crn, "pncNumber": pnc, "croNumber": cro, "nomsNumber": noms},
        "softDeleted": False,
        "convictions": convictions,
    }
