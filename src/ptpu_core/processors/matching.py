"""Find the prisoner's Delius record and make sure it carries their NOMS number (SPEC §7 "Matching")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from attrs import define, field, frozen

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import EventType
from ptpu_core.models.prison import Booking, Prisoner
from ptpu_core.models.probation import Conviction, IDs, MatchRequest
from ptpu_core.models.record import SynchroniseState
from ptpu_core.ports import OffenderSearchApi, Telemetry
from ptpu_core.rules.capabilities import Capability, skipped
from ptpu_core.rules.identifiers import require_crn
from ptpu_core.rules.validation import NOT_INTERESTED_PRISON
from ptpu_core.settings import SENTENCE_START_WINDOW_DAYS, DomainSettings

# offender-search matched on the NOMS number (or on everything we sent): Delius already knows it.
ALREADY_LINKED = frozenset({"ALL_SUPPLIED", "ALL_SUPPLIED_ALIAS", "HMPPS_KEY"})


@frozen
class Matched:
    crn: str


@frozen
class NotMatched:
    """Why not, as the state to save and the telemetry event the caller reports it with."""

    state: SynchroniseState
    telemetry_name: str
    attributes: dict[str, str] = field(factory=dict)
    crns: tuple[str, ...] = ()


MatchResult = Matched | NotMatched


class PrisonerLookup(Protocol):
    """The part of prison-api matching reads (every `ports.PrisonApi` is one)."""

    def get_prisoner(self, offender_no: str) -> Prisoner | None:
        """The prisoner's PNC and CRO numbers, sent to offender search; None when prison-api has none."""


class Announces(Protocol):
    def identifier_added(self, crn: str, noms_number: str, booking_number: str) -> None:
        """Announce probation-case.prison-identifier.added for the NOMS number set on the case `crn`."""


class ProbationCases(Protocol):
    """The part of community-api matching reads and writes (every `ports.CommunityApi` is one)."""

    def get_convictions(self, crn: str) -> list[Conviction]: ...
    def update_noms_number(self, crn: str, noms_number: str) -> IDs: ...


@define
class OffenderMatcher:
    """Finds the one probation case with a custodial sentence starting within SENTENCE_START_WINDOW_DAYS of the
    prison one (the Kotlin OffenderProbationMatchService) and sets the prisoner's NOMS number on it."""

    _prison_api: PrisonerLookup
    _offender_search: OffenderSearchApi
    _community_api: ProbationCases
    _telemetry: Telemetry
    _settings: DomainSettings
    _announcer: Announces | None = None

    def ensure_offender_number_exists_in_probation(self, booking: Booking, sentence_start_date: date) -> MatchResult:
        """Matched(crn), its NOMS number now set, when exactly one case matches (or one already has it)."""
        prisoner = self._prison_api.get_prisoner(booking.offender_no)
        result = self._offender_search.match(MatchRequest(
            first_name=booking.first_name, surname=booking.last_name, date_of_birth=booking.date_of_birth,
            noms_number=booking.offender_no, active_sentence=True,
            pnc_number=prisoner.pnc_number if prisoner else None, cro_number=prisoner.cro_number if prisoner else None,
        ))
        all_crns = sorted({require_crn(match.crn) for match in result.matches})  # before any call with one
        filtered = [crn for crn in all_crns
                    if _sentenced_near(self._community_api.get_convictions(crn), sentence_start_date)]
        who = {"offenderNo": booking.offender_no, "bookingNumber": booking.booking_no}
        self._telemetry.track_event(names.OFFENDER_MATCH, who | {
            "matchedBy": result.matched_by, "matches": str(len(result.matches)), "filtered_matches": str(len(filtered)),
            "crns": _joined(all_crns), "filtered_crns": _joined(filtered),
        })

        if result.matched_by in ALREADY_LINKED and all_crns:
            # Already linked: as the existing service, prefer a CRN whose sentence agrees, else any.
            return Matched((filtered or all_crns)[0])
        if not filtered:
            state = SynchroniseState.NO_MATCH_WITH_SENTENCE_DATE if all_crns else SynchroniseState.NO_MATCH
            return NotMatched(state, names.OFFENDER_NO_MATCH, who | {"crns": _joined(all_crns)}, tuple(all_crns))
        if len(filtered) > 1:
            too_many = who | {"filtered_crns": _joined(filtered)}
            return NotMatched(SynchroniseState.TOO_MANY_MATCHES, names.OFFENDER_TOO_MANY_MATCHES, too_many,
                              tuple(filtered))
        return self._link(booking, filtered[0])

    def _link(self, booking: Booking, crn: str) -> MatchResult:
        who = {"offenderNo": booking.offender_no, "bookingNumber": booking.booking_no, "crn": crn}
        if not self._settings.is_interested_prison(booking.agency_id):
            ignored = {"reason": NOT_INTERESTED_PRISON}
            return NotMatched(SynchroniseState.NOT_VALID, names.CHANGE_IGNORED, ignored, (crn,))
        if not self._settings.capabilities.matching:
            # prison-identifier-and-delius links; retried until offender-search answers HMPPS_KEY.
            off = skipped(Capability.MATCHING, EventType.IMPRISONMENT_STATUS_CHANGED.value)
            return NotMatched(SynchroniseState.NO_MATCH, names.SKIPPED_BY_CONFIGURATION, who | off, (crn,))
        self._community_api.update_noms_number(crn, booking.offender_no)
        self._telemetry.track_event(names.OFFENDER_NUMBER_SET, who)
        if self._announcer is not None:  # announces probation-case.prison-identifier.added
            self._announcer.identifier_added(crn, booking.offender_no, booking.booking_no)
        return Matched(crn)


def _sentenced_near(convictions: Iterable[Conviction], start: date) -> bool:
    """A custodial sentence starting within SENTENCE_START_WINDOW_DAYS of `start`, active or not (the Kotlin
    service keeps inactive ones: Delius often marks a recalled prisoner's custodial event inactive)."""
    sentences = (conviction.sentence for conviction in convictions if conviction.custody is not None)
    starts = [sentence.start_date for sentence in sentences if sentence is not None and sentence.start_date]
    return any(abs((one - start).days) <= SENTENCE_START_WINDOW_DAYS for one in starts)


def _joined(crns: Iterable[str]) -> str:
    # ", " as the existing service's joinToString(): Application Insights queries split on it.
    return ", ".join(crns)
