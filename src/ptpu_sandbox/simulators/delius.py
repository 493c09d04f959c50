"""Simulated Delius: the offender/conviction state that community-api changes and
probation-offender-search reads. Every write is a "set to" so repeating it changes nothing."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from ptpu_sandbox.simulators.payloads import Json
from ptpu_sandbox.simulators.prisons import PRISONS, institution

T = TypeVar("T")

SENTENCE_DATE_TOLERANCE_DAYS = 7
KEY_DATE_FIELDS = (
    "conditionalReleaseDate",
    "licenceExpiryDate",
    "hdcEligibilityDate",
    "paroleEligibilityDate",
    "sentenceExpiryDate",
    "expectedReleaseDate",
    "postSentenceSupervisionEndDate",
)


class DeliusNotFound(Exception):
    """Answered as a 404 whose body says what was missing (the service reads that text)."""


class DeliusConflict(Exception):
    """Answered as a 409."""


class DeliusStore:
    def __init__(self, offenders: Iterable[Json]) -> None:
        self._seed = copy.deepcopy(list(offenders))
        self._lock = threading.RLock()
        self._offenders: dict[str, Json] = {}
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._offenders = {o["otherIds"]["crn"]: o for o in copy.deepcopy(self._seed)}

    def snapshot(self) -> list[Json]:
        with self._lock:
            return copy.deepcopy(list(self._offenders.values()))

    def query(self, read: Callable[[list[Json]], T]) -> T:
        """`read(offenders)` under the store's lock, on the live offenders (not copies: a whole-store deep
        copy per /match made each call cost milliseconds in a world of thousands). `read` must neither
        modify nor keep them, and must build its answer from new objects."""
        with self._lock:
            return read(list(self._offenders.values()))

    def offender(self, crn: str) -> Json | None:
        with self._lock:
            found = self._offenders.get(crn)
            return copy.deepcopy(found) if found else None

    def put_offender(self, offender: Json) -> None:
        """Add or replace an offender (keyed by otherIds.crn), e.g. to set up a test case."""
        with self._lock:
            self._offenders[offender["otherIds"]["crn"]] = copy.deepcopy(offender)

    def convictions(self, crn: str) -> list[Json]:
        with self._lock:
            return copy.deepcopy(self._by_crn(crn)["convictions"])

    def set_noms_number(self, crn: str, noms_number: str) -> Json:
        with self._lock:
            offender = self._by_crn(crn)
            holders = [c for c, o in self._offenders.items() if o["otherIds"]["nomsNumber"] == noms_number]
            if holders and holders != [crn]:
                raise DeliusConflict(f"NOMS number {noms_number} is already used by {', '.join(holders)}")
            offender["otherIds"]["nomsNumber"] = noms_number
            return _ids(offender)

    def replace_noms_number(self, old: str, new: str) -> list[Json]:
        with self._lock:
            offenders = [o for o in self._offenders.values() if o["otherIds"]["nomsNumber"] == old]
            if not offenders:
                raise DeliusNotFound(f"Offender with nomsNumber {old} not found")
            for offender in offenders:
                offender["otherIds"]["nomsNumber"] = new
            return [_ids(o) for o in offenders]

    def set_booking_number(self, noms_number: str, sentence_start: date, booking_number: str) -> Json:
        with self._lock:
            offender = self._by_noms(noms_number)
            candidates = [
                c
                for c in _active_custodial(offender)
                if abs((date.fromisoformat(c["sentence"]["startDate"]) - sentence_start).days)
                <= SENTENCE_DATE_TOLERANCE_DAYS
            ]
            if len(candidates) != 1:
                raise DeliusNotFound(
                    f"Expected one custodial conviction starting near {sentence_start} for nomsNumber "
                    f"{noms_number}, found {len(candidates)}"
                )
            custody = candidates[0]["custody"]
            custody["bookingNumber"] = booking_number
            return copy.deepcopy(custody)

    def set_location(self, noms_number: str, booking_number: str, prison_code: str) -> Json:
        with self._lock:
            custody = self._custody(noms_number, booking_number)
            if prison_code not in PRISONS:
                raise DeliusNotFound(f"Institution with nomsPrisonInstitutionCode {prison_code} not found")
            custody["institution"] = institution(prison_code)
            return copy.deepcopy(custody)

    def replace_key_dates(self, noms_number: str, booking_number: str, key_dates: Mapping[str, Any]) -> Json:
        unknown = set(key_dates) - set(KEY_DATE_FIELDS)
        if unknown:
            raise ValueError(f"unknown key date fields {sorted(unknown)}")
        for value in key_dates.values():
            if value is not None:
                date.fromisoformat(value)  # ValueError -> 400, as Delius rejects a bad date
        with self._lock:
            custody = self._custody(noms_number, booking_number)
            custody["keyDates"] = {k: v for k, v in key_dates.items() if v is not None}
            return copy.deepcopy(custody)

    def _by_crn(self, crn: str) -> Json:
        offender = self._offenders.get(crn)
        if offender is None:
            raise DeliusNotFound(f"Offender with crn {crn} not found")
        return offender

    def _by_noms(self, noms_number: str) -> Json:
        offenders = [o for o in self._offenders.values() if o["otherIds"]["nomsNumber"] == noms_number]
        if not offenders:
            raise DeliusNotFound(f"Offender with nomsNumber {noms_number} not found")
        if len(offenders) > 1:
            raise DeliusConflict(f"More than one offender has nomsNumber {noms_number}")
        return offenders[0]

    def _custody(self, noms_number: str, booking_number: str) -> Json:
        offender = self._by_noms(noms_number)
        for conviction in _active_custodial(offender):
            if conviction["custody"].get("bookingNumber") == booking_number:
                return conviction["custody"]
        raise DeliusNotFound(f"Conviction with bookingNumber {booking_number} not found")


def _active_custodial(offender: Json) -> list[Json]:
    return [c for c in offender["convictions"] if c.get("active") and "custody" in c and "sentence" in c]


def _ids(offender: Json) -> Json:
    return {"crn": offender["otherIds"]["crn"], "nomsNumber": offender["otherIds"]["nomsNumber"]}
