"""The real clock (SPEC §5), whatever the container's TZ: `now()` aware UTC; `today()` the date in
Europe/London, the zone of the stored records and the reports."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ptpu_core.models.service_time import SERVICE_ZONE


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(SERVICE_ZONE).date()
