"""The real clock is the same whatever the container's TZ: aware UTC now, London today."""

from datetime import UTC, datetime

from ptpu_adapters.system_clock import SystemClock
from ptpu_core import ports
from ptpu_core.models.service_time import SERVICE_ZONE


def test_system_clock_gives_the_aware_instant_and_satisfies_the_port():
    system = SystemClock()
    clock: ports.Clock = system  # the port, checked by mypy wherever the container passes it on
    before = datetime.now(UTC)
    now = clock.now()
    assert now.utcoffset() is not None and now.utcoffset().total_seconds() == 0
    assert before <= now <= datetime.now(UTC)
    london_today = now.astimezone(SERVICE_ZONE).date()
    assert system.today() == london_today or system.today() > london_today  # midnight may pass between the calls
