"""An upstream outage end to end: records it left in ERROR are done within seconds of community-api's
return (the retrySystemFailures job, here every 2 s), not at the hourly short retry, and none is lost.

The service runs with the default hourly short-tier cron, so only the retry of system failures can bring
the records back inside this test. While the outage lasts the job probes a few bookings a run and leaves
their retry counts alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ptpu_sandbox.simulators import SCENARIOS
from ptpu_sandbox.stack import LocalStack

from .conftest import _delete_provisioned
from .helpers import records_for, wait_for, wait_for_final_record

BOOKINGS = {"new-conviction": 1200835, "already-linked": 1200838, "transfer": 1200839, "sentence-dates": 1200840}
PROBE_EVERY = "2s"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack.start(hold_back="1s", processor_delay_ms=300) as local:  # retry crons: the defaults
        local.start_service(
            env_overrides={"PRISONTOPROBATION_SYSTEM_FAILURE_RETRY_DELAY": PROBE_EVERY},
            log_path=tmp_path_factory.mktemp("service") / "service.log",
        )
        yield local
        local.stop_service()
        _delete_provisioned(local)


def in_error(stack: LocalStack, booking_id: int) -> bool:
    records = records_for(stack, booking_id)
    return bool(records) and all(r.processed_date is None and r.status is not None and r.status.value == "ERROR"
                                 for r in records)


def test_records_an_outage_left_in_error_are_done_within_seconds_of_the_return(stack: LocalStack) -> None:
    stack.hmpps.community.inject_fault(status=503)  # community-api down: every call, the ping too
    for name in BOOKINGS:
        for event in SCENARIOS[name].events:
            stack.publish(event.event_type, event.message)
    for booking_id in BOOKINGS.values():
        wait_for(f"booking {booking_id} to fail with ERROR", lambda b=booking_id: in_error(stack, b))
    time.sleep(5)  # two more probe runs during the outage
    counts_during = {b: [r.retry_count for r in records_for(stack, b)] for b in BOOKINGS.values()}

    stack.hmpps.community.clear_faults()
    returned = time.monotonic()
    finished = [wait_for_final_record(stack, b, "COMPLETED", timeout=30) for b in BOOKINGS.values()]
    recovered_in = time.monotonic() - returned

    assert counts_during == {b: [1] for b in BOOKINGS.values()}  # probing never moves a record up a tier
    assert [r.retry_count for r in finished] == [1] * len(BOOKINGS)
    assert recovered_in < 20, f"recovered {recovered_in:.1f} s after community-api returned"
    assert stack.service is not None
    log = stack.service.log_text()
    assert "failed again; the next run tries again" in log  # probes while community-api was down
