"""Names of the telemetry events of SPEC §7: the operational contract (dashboards, alerts, queries)."""

from __future__ import annotations

from typing import Final

from ptpu_core.models.prison import Booking

# EXTERNAL_MOVEMENT_RECORD-INSERTED
EXTERNAL_MOVEMENT: Final = "P2PExternalMovement"
TRANSFER_PROBATION_UPDATED: Final = "P2PTransferProbationUpdated"
TRANSFER_PROBATION_RECORD_NOT_FOUND: Final = "P2PTransferProbationRecordNotFound"
TRANSFER_IGNORED: Final = "P2PTransferIgnored"

# SENTENCE_DATES-CHANGED / CONFIRMED_RELEASE_DATE-CHANGED
SENTENCE_DATES_CHANGED: Final = "P2PSentenceDatesChanged"
SENTENCE_DATES_RECORD_NOT_FOUND: Final = "P2PSentenceDatesRecordNotFound"
SENTENCE_DATES_CHANGE_IGNORED: Final = "P2PSentenceDatesChangeIgnored"

# Offender matching (part of IMPRISONMENT_STATUS-CHANGED)
OFFENDER_MATCH: Final = "P2POffenderMatch"
OFFENDER_NO_MATCH: Final = "P2POffenderNoMatch"
OFFENDER_TOO_MANY_MATCHES: Final = "P2POffenderTooManyMatches"
OFFENDER_NUMBER_SET: Final = "P2POffenderNumberSet"
# One match, but the booking is not at a prison we serve (the existing service's name for it).
CHANGE_IGNORED: Final = "P2PChangeIgnored"

# IMPRISONMENT_STATUS-CHANGED
IMPRISONMENT_STATUS_NOT_SEQUENCE_ZERO: Final = "P2PImprisonmentStatusNotSequenceZero"
IMPRISONMENT_STATUS_NO_SENTENCE_START_DATE: Final = "P2PImprisonmentStatusNoSentenceStartDate"
IMPRISONMENT_STATUS_IGNORED: Final = "P2PImprisonmentStatusIgnored"
IMPRISONMENT_STATUS_UPDATED: Final = "P2PImprisonmentStatusUpdated"
BOOKING_NUMBER_NOT_ASSIGNED: Final = "P2PBookingNumberNotAssigned"
LOCATION_NOT_UPDATED: Final = "P2PLocationNotUpdated"
KEY_DATES_NOT_UPDATED: Final = "P2PKeyDatesNotUpdated"

# BOOKING_NUMBER-CHANGED
BOOKING_NUMBER_CHANGED: Final = "P2PBookingNumberChanged"
BOOKING_NUMBER_CHANGED_OFFENDER_NOT_FOUND: Final = "P2PBookingNumberChangedOffenderNotFound"

# Value the existing service writes for an attribute it does not know (Kotlin TelemetryHelper).
NOT_PRESENT: Final = "not present"


def booking_attributes(booking: Booking) -> dict[str, str]:
    """The attributes naming a booking that the processors' events share."""
    return {"offenderNo": booking.offender_no, "bookingNumber": booking.booking_no,
            "agencyId": booking.agency_id or NOT_PRESENT}


# Not in the existing service: an upstream value refused as an identifier (attributes: field and value).
IDENTIFIER_REJECTED: Final = "P2PIdentifierRejected"

# Not in the existing service: a step or record not done, its capability switched off (`capabilities.skipped`).
SKIPPED_BY_CONFIGURATION: Final = "P2PSkippedByConfiguration"
