"""Simulated prison-api (SPEC §4), read-only, answering from seeded prison records."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from typing import Any

from ptpu_sandbox.simulators.http import Route, SimRequest, SimResponse, error, ok
from ptpu_sandbox.simulators.payloads import PrisonRecord
from ptpu_sandbox.simulators.server import HttpSimulator, TokenVerifier, accept_any_token

BOOKING = "/api/bookings/{booking_id}"


class PrisonApiSimulator(HttpSimulator):
    name = "prison-api"

    def __init__(self, records: Iterable[PrisonRecord], token_verifier: TokenVerifier = accept_any_token) -> None:
        self._seed = list(records)
        self._lock = threading.Lock()
        self.records: dict[int, PrisonRecord] = {}
        super().__init__(token_verifier)
        self.reset()

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/health/ping", lambda _request: ok({"status": "UP"}), secured=False),
            Route("GET", "/api/bookings/offenderNo/{offender_no}", self._latest_booking),
            Route("GET", BOOKING, self._booking),
            Route("GET", f"{BOOKING}/sentenceDetail", self._sentence_detail),
            Route("GET", "/api/offender-sentences/booking/{booking_id}/sentenceTerms", self._sentence_terms),
            Route("GET", f"{BOOKING}/movement/{{movement_seq}}", self._movement),
            Route("GET", f"{BOOKING}/identifiers", self._identifiers),
            Route("GET", "/api/prisoners", self._prisoners),
        ]

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.records = {r.booking_id: copy.deepcopy(r) for r in self._seed}

    def state(self) -> Any:
        with self._lock:
            return {"bookings": [r.booking for r in self.records.values()]}

    def put_record(self, record: PrisonRecord) -> None:
        """Add or replace a booking, e.g. to simulate NOMIS recalculating sentence dates."""
        with self._lock:
            self.records[record.booking_id] = record

    def _record(self, booking_id: str) -> PrisonRecord | None:
        with self._lock:
            return self.records.get(int(booking_id)) if booking_id.isdigit() else None

    def _booking(self, _request: SimRequest, booking_id: str) -> SimResponse:
        record = self._record(booking_id)
        return ok(record.booking) if record else _no_booking(booking_id)

    def _latest_booking(self, _request: SimRequest, offender_no: str) -> SimResponse:
        """As prison-api's getOffenderBookingByOffenderNo: the offender's latest booking (here the highest
        booking id), 404 when NOMIS has none."""
        with self._lock:
            found = [r for r in self.records.values() if r.offender_no == offender_no]
        if not found:
            return error(404, f"Resource with id [{offender_no}] not found.")
        return ok(max(found, key=lambda record: record.booking_id).booking)

    def _sentence_detail(self, _request: SimRequest, booking_id: str) -> SimResponse:
        record = self._record(booking_id)
        return ok(record.sentence_detail) if record else _no_booking(booking_id)

    def _sentence_terms(self, _request: SimRequest, booking_id: str) -> SimResponse:
        record = self._record(booking_id)
        return ok(record.sentence_terms) if record else _no_booking(booking_id)

    def _movement(self, _request: SimRequest, booking_id: str, movement_seq: str) -> SimResponse:
        record = self._record(booking_id)
        if record is None:
            return _no_booking(booking_id)
        found = record.movements.get(int(movement_seq)) if movement_seq.isdigit() else None
        if found is None:
            return error(404, f"Movement {movement_seq} for booking {booking_id} not found")
        return ok(found)

    def _identifiers(self, request: SimRequest, booking_id: str) -> SimResponse:
        record = self._record(booking_id)
        if record is None:
            return _no_booking(booking_id)
        wanted = request.query_param("type")
        return ok([i for i in record.identifiers if wanted is None or i["type"] == wanted])

    def _prisoners(self, request: SimRequest) -> SimResponse:
        offender_no = request.query_param("offenderNo")
        with self._lock:
            found = [r.prisoner for r in self.records.values() if r.offender_no == offender_no]
        return ok(found[:1])


def _no_booking(booking_id: str) -> SimResponse:
    return error(404, f"Resource with id [{booking_id}] not found.")
