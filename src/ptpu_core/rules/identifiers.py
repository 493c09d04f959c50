"""The shapes of a NOMS number, a CRN and a booking number: an upstream value of any other shape is refused
before a call is made with it (the record ends NOT_VALID), not interpolated into a URI as the Kotlin service did."""

from __future__ import annotations

import re

from ptpu_core.errors import PtpuError
from ptpu_core.models.prison import Booking

NOMS_NUMBER = re.compile(r"[A-Z][0-9]{4}[A-Z]{2}")
CRN = re.compile(r"[A-Z][0-9]{6}")
BOOKING_NUMBER = re.compile(r"[A-Za-z0-9]{1,20}")


class InvalidIdentifier(PtpuError):
    """`value` (as received) cannot be the identifier `field` (its telemetry name, e.g. offenderNo) names."""

    def __init__(self, field: str, value: object) -> None:
        super().__init__(f"{field} {value!r} is not a valid identifier")
        self.field = field
        self.value = value


def _require(pattern: re.Pattern[str], value: object, field: str) -> str:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise InvalidIdentifier(field, value)
    return value


def require_noms_number(value: object, field: str = "offenderNo") -> str:
    """`value` when it is a NOMS number (`^[A-Z][0-9]{4}[A-Z]{2}$`); InvalidIdentifier otherwise."""
    return _require(NOMS_NUMBER, value, field)


def require_crn(value: object, field: str = "crn") -> str:
    """`value` when it is a CRN (`^[A-Z][0-9]{6}$`); InvalidIdentifier otherwise."""
    return _require(CRN, value, field)


def require_booking_number(value: object, field: str = "bookingNumber") -> str:
    """`value` when it is a booking number (1-20 ASCII letters and digits); InvalidIdentifier otherwise."""
    return _require(BOOKING_NUMBER, value, field)


def require_booking_identifiers(booking: Booking) -> None:
    """The booking's offenderNo and bookingNumber (both go into community-api paths); InvalidIdentifier else."""
    require_noms_number(booking.offender_no, "offenderNo")
    require_booking_number(booking.booking_no, "bookingNumber")
