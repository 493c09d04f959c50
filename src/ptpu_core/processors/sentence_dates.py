"""SENTENCE_DATES-CHANGED and CONFIRMED_RELEASE_DATE-CHANGED (SPEC §7): copy key dates to Delius. Tried once.

Every outcome is stored as COMPLETED, as the existing service stores its once-only events;
which outcome it was stays in the telemetry event and the metric.
"""

from __future__ import annotations

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import ConfirmedReleaseDateChangedEvent, SentenceDatesChangedEvent
from ptpu_core.models.probation import NotFound
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Done, done
from ptpu_core.ports import CommunityApi, Metrics, PrisonApi, Telemetry
from ptpu_core.processors.attributes import booking_attributes
from ptpu_core.rules.identifiers import require_booking_identifiers
from ptpu_core.rules.key_dates import probation_key_dates, sentence_date_attributes
from ptpu_core.rules.validation import booking_rejection
from ptpu_core.settings import DomainSettings

# community-api's 404 body names the booking number when the offender exists but the custodial event does not.
NO_CONVICTION_MARKER = "bookingnumber"


class SentenceDatesProcessor:
    """Metrics `ptpu.sentenceDateChange`: total and its outcome count only attempted Delius updates."""

    def __init__(
        self,
        prison_api: PrisonApi,
        community_api: CommunityApi,
        telemetry: Telemetry,
        metrics: Metrics,
        settings: DomainSettings,
    ) -> None:
        self._prison_api = prison_api
        self._community_api = community_api
        self._telemetry = telemetry
        self._metrics = metrics
        self._settings = settings

    def process(self, event: SentenceDatesChangedEvent | ConfirmedReleaseDateChangedEvent) -> Done:
        booking = self._prison_api.get_booking(event.booking_id)
        require_booking_identifiers(booking)
        about = {"bookingId": str(event.booking_id)} | booking_attributes(booking)
        reason = booking_rejection(booking, self._settings)
        if reason is not None:
            self._telemetry.track_event(names.SENTENCE_DATES_CHANGE_IGNORED, about | {"reason": reason})
            return done(State.COMPLETED)

        detail = self._prison_api.get_sentence_detail(event.booking_id)
        about |= sentence_date_attributes(detail)
        self._metrics.sentence_date_change("total")
        result = self._community_api.replace_key_dates(
            booking.offender_no, booking.booking_no, probation_key_dates(detail)
        )
        if isinstance(result, NotFound):
            no_conviction = NO_CONVICTION_MARKER in result.detail.lower()
            self._metrics.sentence_date_change("fail_no_conviction" if no_conviction else "fail_no_offender")
            self._telemetry.track_event(names.SENTENCE_DATES_RECORD_NOT_FOUND, about | {"reason": result.detail})
            return done(State.COMPLETED)
        self._metrics.sentence_date_change("success")
        self._telemetry.track_event(names.SENTENCE_DATES_CHANGED, about)
        return done(State.COMPLETED)
