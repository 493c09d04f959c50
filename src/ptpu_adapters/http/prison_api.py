"""prison-api (SPEC §4): bookings, sentence details and terms, movements, identifiers, prisoners."""

from __future__ import annotations

from typing import TypeVar

from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.wire import path
from ptpu_core.models.prison import Booking, BookingIdentifier, Movement, Prisoner, SentenceDetail, SentenceTerm

T = TypeVar("T")


class PrisonApiClient:
    def __init__(self, http: UpstreamClient) -> None:
        self._http = http

    def get_booking(self, booking_id: int) -> Booking:
        return self._get(
            path("/api/bookings/{}", booking_id), Booking, params={"basicInfo": "false", "extraInfo": "true"}
        )

    def get_sentence_detail(self, booking_id: int) -> SentenceDetail:
        return self._get(path("/api/bookings/{}/sentenceDetail", booking_id), SentenceDetail)

    def get_sentence_terms(self, booking_id: int) -> list[SentenceTerm]:
        return self._get(path("/api/offender-sentences/booking/{}/sentenceTerms", booking_id), list[SentenceTerm])

    def get_movement(self, booking_id: int, movement_seq: int) -> Movement | None:
        return self._get_or_none(path("/api/bookings/{}/movement/{}", booking_id, movement_seq), Movement)

    def get_merged_identifiers(self, booking_id: int) -> list[BookingIdentifier]:
        return self._get(
            path("/api/bookings/{}/identifiers", booking_id), list[BookingIdentifier], params={"type": "MERGED"}
        )

    def get_latest_booking(self, offender_no: str) -> Booking | None:
        """The latest booking (prison-api BookingResource `getOffenderBookingByOffenderNo`); None on a 404."""
        return self._get_or_none(path("/api/bookings/offenderNo/{}", offender_no), Booking)

    def get_prisoner(self, offender_no: str) -> Prisoner | None:
        prisoners: list[Prisoner] = self._get("/api/prisoners", list[Prisoner], params={"offenderNo": offender_no})
        return prisoners[0] if prisoners else None

    def _get(self, url_path: str, cl: type[T], params: dict[str, str] | None = None) -> T:
        return self._http.read(self._http.call("GET", url_path, params=params), cl)

    def _get_or_none(self, url_path: str, cl: type[T]) -> T | None:
        response = self._http.call("GET", url_path, business_statuses={404})
        return None if response.status_code == 404 else self._http.read(response, cl)
