"""community-api (SPEC §4): convictions, and the writes that bring Delius up to date; and its dry-run
wrapper (SPEC §12), for a rollout beside the existing service: Delius is read for real, every write is
reported as telemetry instead.
"""

from __future__ import annotations

import json
from typing import Any

from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.wire import make_converter, path
from ptpu_core.models.probation import (
    Conviction,
    Custody,
    IDs,
    Institution,
    NotFound,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_core.ports import CommunityApi, Telemetry

# The paths' templates, shared with the dry-run wrapper so what it reports is what would be sent.
CONVICTIONS = "/secure/offenders/crn/{}/convictions"
NOMS_NUMBER = "/secure/offenders/crn/{}/nomsNumber"
REPLACE_NOMS_NUMBER = "/secure/offenders/nomsNumber/{}/nomsNumber"
BOOKING_NUMBER = "/secure/offenders/nomsNumber/{}/custody/bookingNumber"
CUSTODY = "/secure/offenders/nomsNumber/{}/custody/bookingNumber/{}"
KEY_DATES = "/secure/offenders/nomsNumber/{}/bookingNumber/{}/custody/keyDates"
DRY_RUN_EVENT = "P2PDryRunWrite"


class CommunityApiClient:
    def __init__(self, http: UpstreamClient) -> None:
        self._http = http

    def get_convictions(self, crn: str) -> list[Conviction]:
        response = self._http.call("GET", path(CONVICTIONS, crn))
        return self._http.read(response, list[Conviction])

    def update_noms_number(self, crn: str, noms_number: str) -> IDs:
        response = self._http.call("PUT", path(NOMS_NUMBER, crn), json={"nomsNumber": noms_number})
        return self._http.read(response, IDs)

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[IDs]:
        response = self._http.call("PUT", path(REPLACE_NOMS_NUMBER, old_noms_number),
                                   json={"nomsNumber": new_noms_number}, business_statuses={404, 409})
        if response.status_code in (404, 409):
            return []
        return self._http.read(response, list[IDs])

    def update_booking_number(self, noms_number: str, body: UpdateCustodyBookingNumber) -> Custody | None:
        return self._put_custody(path(BOOKING_NUMBER, noms_number), body)

    def update_custody(self, noms_number: str, booking_number: str, body: UpdateCustody) -> Custody | None:
        return self._put_custody(path(CUSTODY, noms_number, booking_number), body)

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: ReplaceCustodyKeyDates
    ) -> Custody | NotFound:
        response = self._http.call("POST", path(KEY_DATES, noms_number, booking_number),
                                   json=body, business_statuses={404})
        if response.status_code == 404:
            # The whole body: SPEC §7 tells "no conviction" from "no offender" by the body mentioning
            # bookingNumber anywhere, not by one message field of it.
            return NotFound(detail=response.text)
        return self._http.read(response, Custody)

    def _put_custody(self, path: str, body: Any) -> Custody | None:
        response = self._http.call("PUT", path, json=body, business_statuses={404})
        if response.status_code == 404:
            return None
        return self._http.read(response, Custody)


class DryRunCommunityApi:
    """Reads pass through; each write emits `P2PDryRunWrite` and answers as if it had succeeded."""

    def __init__(self, real: CommunityApi, telemetry: Telemetry) -> None:
        self._real = real
        self._telemetry = telemetry
        self._converter = make_converter()

    def get_convictions(self, crn: str) -> list[Conviction]:
        return self._real.get_convictions(crn)

    def update_noms_number(self, crn: str, noms_number: str) -> IDs:
        self._report("update_noms_number", "PUT", path(NOMS_NUMBER, crn), {"nomsNumber": noms_number})
        return IDs(crn=crn, noms_number=noms_number)

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[IDs]:
        self._report(
            "replace_noms_number", "PUT", path(REPLACE_NOMS_NUMBER, old_noms_number), {"nomsNumber": new_noms_number}
        )
        # Which CRNs carry the old number is only known to community-api; claim none rather than invent
        # one. In dry-run the merge processor does not read this [] as "offender not found".
        return []

    def update_booking_number(self, noms_number: str, body: UpdateCustodyBookingNumber) -> Custody | None:
        self._report("update_booking_number", "PUT", path(BOOKING_NUMBER, noms_number), body)
        return Custody(booking_number=body.booking_number)

    def update_custody(self, noms_number: str, booking_number: str, body: UpdateCustody) -> Custody | None:
        self._report("update_custody", "PUT", path(CUSTODY, noms_number, booking_number), body)
        institution = Institution(noms_prison_institution_code=body.noms_prison_institution_code)
        return Custody(booking_number=booking_number, institution=institution)

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: ReplaceCustodyKeyDates
    ) -> Custody | NotFound:
        self._report("replace_key_dates", "POST", path(KEY_DATES, noms_number, booking_number), body)
        return Custody(booking_number=booking_number)

    def _report(self, operation: str, method: str, path: str, body: Any) -> None:
        written = json.dumps(self._converter.unstructure(body), sort_keys=True)
        self._telemetry.track_event(DRY_RUN_EVENT, {"operation": operation, "method": method, "path": path,
                                                    "body": written})
