from datetime import datetime

from ptpu_adapters.system_clock import SystemClock
from ptpu_core import ports


def test_system_clock_gives_naive_local_times_and_satisfies_the_port():
    clock: ports.Clock = SystemClock()
    before = datetime.now()
    now = clock.now()
    assert now.tzinfo is None
    assert before <= now <= datetime.now()
    assert clock.today() == now.date() or clock.today() > now.date()  # midnight may pass between the calls
    assert isinstance(clock, ports.Clock)
