"""ptpu domain core: the business rules of prison-to-probation-update, free of I/O (stdlib and attrs only).
`__all__` is the public API other HMPPS services build on (docs/library.md); the rest of the package is the
service's own machinery, free to change between versions."""

from ptpu_core.errors import InvalidMessage, PtpuError, StoreFailure, SystemFailure, UpstreamFailure
from ptpu_core.models.domain_event import HmppsDomainEvent, PersonIdentifier
from ptpu_core.models.events import (
    EVENT_PRIORITY,
    BookingNumberChangedEvent,
    ConfirmedReleaseDateChangedEvent,
    EventType,
    ExternalMovementInsertedEvent,
    ImprisonmentStatusChangedEvent,
    OffenderEvent,
    SentenceDatesChangedEvent,
)
from ptpu_core.models.prison import Booking, BookingIdentifier, Movement, Prisoner, SentenceDetail, SentenceTerm
from ptpu_core.models.probation import (
    Conviction,
    Custody,
    IDs,
    Institution,
    MatchRequest,
    NotFound,
    OffenderMatch,
    OffenderMatches,
    ReplaceCustodyKeyDates,
    Sentence,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.ports import (
    Clock,
    CommunityApi,
    DomainEventPublisher,
    MessageRepository,
    Metrics,
    OffenderSearchApi,
    PrisonApi,
    Telemetry,
)
from ptpu_core.processors.matching import (
    Announces,
    Matched,
    MatchResult,
    NotMatched,
    OffenderMatcher,
    PrisonerLookup,
    ProbationCases,
)
from ptpu_core.rules.aggregation import Aggregation, aggregate
from ptpu_core.rules.capabilities import SERVES, Capabilities, Capability
from ptpu_core.rules.event_parsing import parse_event
from ptpu_core.rules.identifiers import InvalidIdentifier, require_booking_number, require_crn, require_noms_number
from ptpu_core.rules.key_dates import latest_sentence_start_date, probation_key_dates
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.rules.sns_envelope import SnsNotification, parse_envelope
from ptpu_core.rules.validation import Dropped, Kept, Verdict, validate
from ptpu_core.settings import DomainSettings
from ptpu_core.work.domain_events import (
    PRISON_IDENTIFIER_ADDED,
    PRISON_IDENTIFIER_UPDATED,
    prison_identifier_added,
    prison_identifier_updated,
)

__all__ = [
    "EventType", "OffenderEvent", "ImprisonmentStatusChangedEvent", "ExternalMovementInsertedEvent",
    "SentenceDatesChangedEvent", "ConfirmedReleaseDateChangedEvent", "BookingNumberChangedEvent", "EVENT_PRIORITY",
    "Message", "SynchroniseState", "Booking", "BookingIdentifier", "Movement", "Prisoner", "SentenceDetail",
    "SentenceTerm", "MatchRequest", "OffenderMatch", "OffenderMatches", "Conviction", "Sentence", "Custody",
    "Institution", "IDs", "UpdateCustody", "UpdateCustodyBookingNumber", "ReplaceCustodyKeyDates", "NotFound",
    "HmppsDomainEvent", "PersonIdentifier", "SnsNotification", "parse_envelope", "parse_event", "validate",
    "Verdict", "Kept", "Dropped", "aggregate", "Aggregation", "OffenderMatcher", "PrisonerLookup", "ProbationCases",
    "Announces", "MatchResult", "Matched", "NotMatched", "probation_key_dates", "latest_sentence_start_date",
    "RetryTier", "require_noms_number", "require_crn", "require_booking_number", "InvalidIdentifier", "Capability",
    "Capabilities", "SERVES", "prison_identifier_added", "prison_identifier_updated", "PRISON_IDENTIFIER_ADDED",
    "PRISON_IDENTIFIER_UPDATED", "Clock", "Telemetry", "Metrics", "PrisonApi", "OffenderSearchApi", "CommunityApi",
    "MessageRepository", "DomainEventPublisher", "DomainSettings", "PtpuError", "SystemFailure", "UpstreamFailure",
    "StoreFailure", "InvalidMessage",
]
