"""Simulated community-api (SPEC §4): reads and idempotent writes on the simulated Delius."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ptpu_sandbox.simulators.delius import DeliusConflict, DeliusNotFound, DeliusStore
from ptpu_sandbox.simulators.http import Route, SimRequest, SimResponse, error, ok
from ptpu_sandbox.simulators.server import HttpSimulator, TokenVerifier, accept_any_token

NOMS = "/secure/offenders/nomsNumber/{noms}"


class CommunityApiSimulator(HttpSimulator):
    name = "community-api"

    def __init__(self, store: DeliusStore, token_verifier: TokenVerifier = accept_any_token) -> None:
        self.store = store
        super().__init__(token_verifier)

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/health/ping", lambda _request: ok({"status": "UP"}), secured=False),
            Route("GET", "/secure/offenders/crn/{crn}/convictions", self._convictions),
            Route("PUT", "/secure/offenders/crn/{crn}/nomsNumber", self._set_noms_number),
            Route("PUT", f"{NOMS}/nomsNumber", self._replace_noms_number),
            Route("PUT", f"{NOMS}/custody/bookingNumber", self._set_booking_number),
            Route("PUT", f"{NOMS}/custody/bookingNumber/{{book_no}}", self._set_location),
            Route("POST", f"{NOMS}/bookingNumber/{{book_no}}/custody/keyDates", self._replace_key_dates),
        ]

    def state(self) -> Any:
        return {"offenders": self.store.snapshot()}

    def reset(self) -> None:
        super().reset()
        self.store.reset()

    def offender(self, crn: str) -> dict[str, Any] | None:
        return self.store.offender(crn)

    def _convictions(self, _request: SimRequest, crn: str) -> SimResponse:
        return _answer(lambda: self.store.convictions(crn))

    def _set_noms_number(self, request: SimRequest, crn: str) -> SimResponse:
        noms = _required(request, "nomsNumber")
        return _answer(lambda: self.store.set_noms_number(crn, noms))

    def _replace_noms_number(self, request: SimRequest, noms: str) -> SimResponse:
        new = _required(request, "nomsNumber")
        return _answer(lambda: self.store.replace_noms_number(noms, new))

    def _set_booking_number(self, request: SimRequest, noms: str) -> SimResponse:
        start = date.fromisoformat(_required(request, "sentenceStartDate"))
        booking_number = _required(request, "bookingNumber")
        return _answer(lambda: self.store.set_booking_number(noms, start, booking_number))

    def _set_location(self, request: SimRequest, noms: str, book_no: str) -> SimResponse:
        prison = _required(request, "nomsPrisonInstitutionCode")
        return _answer(lambda: self.store.set_location(noms, book_no, prison))

    def _replace_key_dates(self, request: SimRequest, noms: str, book_no: str) -> SimResponse:
        body = request.json()
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object of key dates")
        return _answer(lambda: self.store.replace_key_dates(noms, book_no, body))


def _required(request: SimRequest, name: str) -> str:
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get(name), str) or not body[name]:
        raise ValueError(f"'{name}' is required")
    return str(body[name])


def _answer(action: Callable[[], Any]) -> SimResponse:
    try:
        return ok(action())
    except DeliusNotFound as missing:
        return error(404, str(missing))
    except DeliusConflict as conflict:
        return error(409, str(conflict))
