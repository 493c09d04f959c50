"""The real clock (SPEC §5): independent of the container's TZ.

`now()` is an aware UTC datetime (the core reckons on the time line); `today()` is the date in
Europe/London, the zone the stored records and the reports use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from ptpu_core.models.service_time import SERVICE_ZONE


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(SERVICE_ZONE).date()
