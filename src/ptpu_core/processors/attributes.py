"""Telemetry attributes shared by the processors."""

from __future__ import annotations

from ptpu_core.models.prison import Booking
from ptpu_core.telemetry_names import NOT_PRESENT


def booking_attributes(booking: Booking) -> dict[str, str]:
    return {
        "offenderNo": booking.offender_no,
        "bookingNumber": booking.booking_no,
        "agencyId": booking.agency_id or NOT_PRESENT,
    }
