"""The service as a subprocess under upstream faults, a store outage and a graceful stop (several pods
sharing a backlog: test_booking_leases.py). Every case audits every published event:
published = stored + ignored + dead-lettered, lost == 0."""

from __future__ import annotations

import re
import time

import requests

from reliability import world
from reliability.conftest import ScenarioTable
from reliability.flows import assert_all_accounted, audit_now, completed_count, publish_all, wait_settled
from reliability.harness import LockHistory, ReliabilityStack, wait_until

BOOKINGS = 20  # 100 events per case


def seeded(stack: ReliabilityStack, bookings: int = BOOKINGS) -> list[world.PlannedEvent]:
    assert stack.hmpps is not None
    world.seed(stack.hmpps, bookings)
    return world.events(bookings)


def error_records(stack: ReliabilityStack) -> list:
    return [r for r in stack.records() if r.status is not None and r.status.value == "ERROR" and r.retry_count > 0]


def test_community_api_failing_30_percent_sends_records_to_retry_and_they_complete_after(
    stack: ReliabilityStack, scenario_table: ScenarioTable
) -> None:
    started = time.monotonic()
    planned = seeded(stack)
    assert stack.hmpps is not None
    stack.hmpps.community.inject_fault(status=500, rate=0.3, seed=7)
    service = stack.start_service("faulty-delius")
    publish_all(stack, planned)

    wait_until(lambda: len(error_records(stack)) >= 3, 60, what="records retried with status ERROR")
    wait_until(stack.queue_drained, 60, what="every event received")
    stack.hmpps.community.clear_faults()
    found = wait_settled(stack, planned, timeout=90)

    assert_all_accounted(found)
    assert " ERROR " in service.log()
    assert stack.hmpps.community.faults.injected_count > 0
    assert any(r.retry_count > 0 for r in stack.records()), "some record must have needed a retry"
    scenario_table.add("community-api 500 for 30% of calls", found.published, found.accounted, found.lost, started)


def test_community_api_timing_out_30_percent_never_blocks_and_completes_after(
    stack: ReliabilityStack, scenario_table: ScenarioTable
) -> None:
    started = time.monotonic()
    planned = seeded(stack)
    assert stack.hmpps is not None
    # 2 s stalls against the service's 1 s read timeout.
    stack.hmpps.community.inject_fault(status=None, delay_seconds=2.0, rate=0.3, seed=11)
    service = stack.start_service("slow-delius")
    publish_all(stack, planned)

    wait_until(lambda: len(error_records(stack)) >= 2, 90, what="timed-out records retried with status ERROR")
    stack.hmpps.community.clear_faults()
    found = wait_settled(stack, planned, timeout=120)

    assert_all_accounted(found)
    assert re.search(r"timed out|Timeout", service.log(), re.IGNORECASE)
    scenario_table.add("community-api timing out for 30%", found.published, found.accounted, found.lost, started)


def test_prison_api_slow_then_down_loses_nothing_and_housekeeping_recovers_the_dlq(
    stack: ReliabilityStack, scenario_table: ScenarioTable
) -> None:
    started = time.monotonic()
    planned = seeded(stack, 10)
    assert stack.hmpps is not None
    prison = stack.hmpps.prison
    prison.inject_fault(status=None, delay_seconds=2.0)  # every call slower than the 1 s read timeout
    service = stack.start_service("slow-prison")
    publish_all(stack, planned)
    wait_until(lambda: "prison-api" in service.log() and "left for redelivery" in service.log(), 30,
               what="a validation failing on the prison-api timeout")
    port = prison.port
    prison.stop()  # down: connections refused
    time.sleep(3)
    assert stack.records() == [], "nothing can be stored while prison-api cannot be asked"
    prison.clear_faults()
    prison.start(port=port)

    # Messages that failed three times are on the DLQ; the housekeeping CronJob moves them back.
    def handled_or_dead_lettered() -> bool:
        found = audit_now(stack, planned)
        return stack.queue_drained() and found.stored + found.dead_lettered > 0

    wait_until(handled_or_dead_lettered, 60, what="the queue to drain")
    dead_lettered = stack.queue_counts()[2]
    assert requests.put(f"{service.url}/queue-admin/queue-housekeeping", timeout=10).status_code == 200
    found = wait_settled(stack, planned, timeout=90)

    assert_all_accounted(found)
    assert found.dead_lettered == 0
    scenario_table.add(
        "prison-api slow 2 s, then down", found.published, found.accounted, found.lost, started,
        f"{dead_lettered} dead-lettered during the outage; housekeeping then called",
    )


def test_store_outage_reports_down_then_up_and_handles_queued_messages_after(
    stack: ReliabilityStack, scenario_table: ScenarioTable
) -> None:
    started = time.monotonic()
    planned = seeded(stack)
    service = stack.start_service("outage")
    wait_until(lambda: service.get("/health").status_code == 200, 30, what="/health UP")
    publish_all(stack, planned)
    stack.moto.stop()

    down = service.get("/health", timeout=60)
    assert down.status_code == 503 and down.json()["status"] == "DOWN"
    time.sleep(3)  # the listener and the jobs keep failing for a while
    assert service.running, "the service must ride out the outage"
    stack.moto.start()

    found = wait_settled(stack, planned, timeout=120)
    wait_until(lambda: service.get("/health").status_code == 200, 60, what="/health UP again")
    assert_all_accounted(found)
    assert found.dead_lettered == 0
    assert service.running
    scenario_table.add("AWS emulator (store + queue) outage", found.published, found.accounted, found.lost, started)


def test_sigterm_mid_batch_finishes_in_flight_work_and_releases_the_lock(
    stack: ReliabilityStack, scenario_table: ScenarioTable
) -> None:
    started = time.monotonic()
    planned = seeded(stack)
    history = LockHistory(stack)
    assert stack.hmpps is not None
    stack.hmpps.community.inject_fault(status=None, delay_seconds=0.1, methods=["PUT"])
    service = stack.start_service("graceful")
    publish_all(stack, planned)
    wait_until(lambda: completed_count(stack) >= 5, 60, what="processing under way")

    assert service.stop(timeout=60) == 0
    log = service.log()
    assert "Stopped cleanly" in log
    # The work in hand is one lease per booking; a graceful stop releases every one of them.
    images = history.images()
    leases = [h for item in history.items("bookingLease-") for h in history.holds(item, images)]
    assert leases and all(h.released for h in leases), "every booking lease ended in a release"
    item = stack.lock_item()  # the side-by-side cover is shared by ptpu pods and left to expire
    assert item is not None and item["lockedBy"].startswith("ptpu@")
    # Nothing half-done: every record is either finished or untouched, none marked mid-way.
    assert all(r.is_processed or r.retry_count == 0 for r in stack.records())

    stack.hmpps.community.clear_faults()
    stack.start_service("after-graceful")
    found = wait_settled(stack, planned, timeout=90)
    assert_all_accounted(found)
    assert found.extra_records == 0
    scenario_table.add("graceful stop (SIGTERM) mid-batch, restart", found.published, found.accounted,
                       found.lost, started)
