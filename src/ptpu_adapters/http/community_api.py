"""community-api (SPEC §4): convictions, and the writes that bring Delius up to date."""

from __future__ import annotations

from typing import Any

from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.wire import make_converter, path, read
from ptpu_core.models.probation import (
    Conviction,
    Custody,
    IDs,
    NotFound,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)

# The paths' templates, shared with the dry-run wrapper so what it reports is what would be sent.
CONVICTIONS = "/secure/offenders/crn/{}/convictions"
NOMS_NUMBER = "/secure/offenders/crn/{}/nomsNumber"
REPLACE_NOMS_NUMBER = "/secure/offenders/nomsNumber/{}/nomsNumber"
BOOKING_NUMBER = "/secure/offenders/nomsNumber/{}/custody/bookingNumber"
CUSTODY = "/secure/offenders/nomsNumber/{}/custody/bookingNumber/{}"
KEY_DATES = "/secure/offenders/nomsNumber/{}/bookingNumber/{}/custody/keyDates"


class CommunityApiClient:
    def __init__(self, http: UpstreamClient) -> None:
        self._http = http
        self._converter = make_converter()

    def get_convictions(self, crn: str) -> list[Conviction]:
        response = self._http.call("GET", path(CONVICTIONS, crn))
        return self._read(self._http.json(response), list[Conviction])

    def update_noms_number(self, crn: str, noms_number: str) -> IDs:
        response = self._http.call("PUT", path(NOMS_NUMBER, crn), json={"nomsNumber": noms_number})
        return self._read(self._http.json(response), IDs)

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[IDs]:
        response = self._http.call("PUT", path(REPLACE_NOMS_NUMBER, old_noms_number),
                                   json={"nomsNumber": new_noms_number}, business_statuses={404, 409})
        if response.status_code in (404, 409):
            return []
        return self._read(self._http.json(response), list[IDs])

    def update_booking_number(self, noms_number: str, body: UpdateCustodyBookingNumber) -> Custody | None:
        return self._put_custody(path(BOOKING_NUMBER, noms_number), body)

    def update_custody(self, noms_number: str, booking_number: str, body: UpdateCustody) -> Custody | None:
        return self._put_custody(path(CUSTODY, noms_number, booking_number), body)

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: ReplaceCustodyKeyDates
    ) -> Custody | NotFound:
        response = self._http.call("POST", path(KEY_DATES, noms_number, booking_number),
                                   json=self._converter.unstructure(body), business_statuses={404})
        if response.status_code == 404:
            # The whole body: SPEC §7 tells "no conviction" from "no offender" by the body mentioning
            # bookingNumber anywhere, not by one message field of it.
            return NotFound(detail=response.text)
        return self._read(self._http.json(response), Custody)

    def _put_custody(self, path: str, body: Any) -> Custody | None:
        response = self._http.call("PUT", path, json=self._converter.unstructure(body), business_statuses={404})
        if response.status_code == 404:
            return None
        return self._read(self._http.json(response), Custody)

    def _read(self, data: Any, cl: Any) -> Any:
        return read(self._converter, data, cl, self._http.service)
