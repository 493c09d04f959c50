"""BOOKING_NUMBER-CHANGED (SPEC §7): NOMIS merged prisoner records; move Delius to the surviving NOMS number."""

from __future__ import annotations

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import BookingNumberChangedEvent
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Done, done
from ptpu_core.ports import CommunityApi, PrisonApi, Telemetry
from ptpu_core.rules.identifiers import require_noms_number
from ptpu_core.settings import DomainSettings
from ptpu_core.work.domain_events import Announcer


class BookingNumberProcessor:
    def __init__(
        self,
        prison_api: PrisonApi,
        community_api: CommunityApi,
        telemetry: Telemetry,
        settings: DomainSettings,
        announcer: Announcer | None = None,
    ) -> None:
        self._prison_api = prison_api
        self._community_api = community_api
        self._telemetry = telemetry
        self._settings = settings
        self._announcer = announcer

    def process(self, event: BookingNumberChangedEvent) -> Done:
        booking = self._prison_api.get_booking(event.booking_id)
        if not self._settings.is_interested_prison(booking.agency_id):
            # Silent, as the existing service; stored COMPLETED as it stores every once-only event.
            return done(State.COMPLETED)
        require_noms_number(booking.offender_no, "offenderNo")
        about = {"bookingId": str(event.booking_id), "offenderNo": booking.offender_no}
        crns: list[str] = []
        merged_numbers = self._prison_api.get_merged_identifiers(event.booking_id)
        for merged in merged_numbers:  # every one checked before the first write
            require_noms_number(merged.value, "oldOffenderNo")
        for merged in merged_numbers:
            old = {"oldOffenderNo": merged.value}
            replaced = self._community_api.replace_noms_number(merged.value, booking.offender_no)
            if self._settings.dry_run:
                # The write was only reported, so who held the old number is unknown (the dry-run
                # adapter answers []): say what would have been done, never "offender not found".
                self._telemetry.track_event(names.BOOKING_NUMBER_CHANGED, about | old | {"dryRun": "true"})
                continue
            if not replaced:
                self._telemetry.track_event(names.BOOKING_NUMBER_CHANGED_OFFENDER_NOT_FOUND, about | old)
            for ids in replaced:
                self._telemetry.track_event(names.BOOKING_NUMBER_CHANGED, about | old | {"crn": ids.crn})
                if self._announcer is not None:  # announces probation-case.prison-identifier.updated
                    self._announcer.identifier_updated(ids.crn, booking.offender_no, merged.value, booking.booking_no)
                crns.append(ids.crn)
        return done(State.COMPLETED, *crns)
