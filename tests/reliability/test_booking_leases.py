"""Three processing pods share a backlog by per-booking leases; one is SIGKILLed mid-backlog.

Every record still reaches its final state exactly once, no booking is ever leased by two pods at once
(checked on the history of every lease item, from a DynamoDB stream on the schedule table), and the
killed pod's leases are taken over by the others only after they expire.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from reliability import world
from reliability.conftest import ScenarioTable
from reliability.flows import assert_all_accounted, completed_count, publish_all, wait_settled
from reliability.harness import LockHistory, ReliabilityStack, ServiceProcess, lock_time, overlap_seconds, wait_until

BOOKINGS = 30  # 150 events
LEASE = "6s"
HOLD_BACK = "40s"


def done_lines(log: str) -> list[str]:
    """Ids of records whose outcome was saved as Done."""
    return re.findall(r"message ([0-9a-f-]{36})(?: \(SNS [^)]*\))? -> Done", log)


def holder_of_a_live_lease(stack: ReliabilityStack, pods: list[ServiceProcess]) -> tuple[ServiceProcess, str] | None:
    """A pod holding some booking's lease for at least another second, with its lockedBy."""
    soon = datetime.now(UTC) + timedelta(seconds=1)
    for item in stack.lease_items():
        if lock_time(item["lockUntil"]) > soon:
            pod = next((p for p in pods if item["lockedBy"].endswith(f":{p.pid}")), None)
            if pod is not None:
                return pod, item["lockedBy"]
    return None


def test_three_pods_share_the_backlog_and_a_killed_pods_leases_are_taken_over_after_expiry(
    stack: ReliabilityStack, scenario_table: ScenarioTable
) -> None:
    started = time.monotonic()
    assert stack.hmpps is not None
    world.seed(stack.hmpps, BOOKINGS)
    planned = world.events(BOOKINGS)
    history = LockHistory(stack)
    # A backlog: the hold-back keeps every record waiting until all are stored; slow Delius writes then
    # keep bookings in hand long enough to kill a pod holding leases.
    stack.hmpps.community.inject_fault(status=None, delay_seconds=0.3, methods=["PUT"])
    env = {
        "PRISONTOPROBATION_BOOKING_LEASE": LEASE,
        "PRISONTOPROBATION_PROCESSOR_WORKERS": "2",
        "PRISONTOPROBATION_HOLD_BACK_DURATION": HOLD_BACK,
    }
    pods = [stack.start_service(name, **env) for name in ("one", "two", "three")]
    publish_all(stack, planned)
    wait_until(stack.queue_drained, 90, what="every event stored")
    assert completed_count(stack) == 0, "the hold-back should have kept the backlog waiting"
    holder: list[tuple[ServiceProcess, str]] = []
    wait_until(lambda: holder.extend(filter(None, [holder_of_a_live_lease(stack, pods)])) or bool(holder),
               90, interval=0.05, what="a pod holding a lease")
    victim, victim_owner = holder[0]
    victim.kill()
    stack.hmpps.community.clear_faults()
    found = wait_settled(stack, planned, timeout=180)

    assert_all_accounted(found)
    assert found.extra_records == 0
    survivors = [p for p in pods if p is not victim]
    done = Counter(line for pod in pods for line in done_lines(pod.log()))
    assert done and max(done.values()) == 1, "a record was processed to Done twice"

    images = history.images()
    leases = {item: history.holds(item, images) for item in history.items("bookingLease-")}
    assert len(leases) == BOOKINGS
    overlaps = {item: overlap_seconds(holds) for item, holds in leases.items()}
    assert sum(overlaps.values()) == 0.0, {item: s for item, s in overlaps.items() if s}
    owners = {hold.owner for holds in leases.values() for hold in holds}
    assert len(owners) == 3, "every pod should have taken bookings"
    last_of_victim = {
        item: [h for h in holds if h.owner == victim_owner][-1]
        for item, holds in leases.items()
        if any(h.owner == victim_owner for h in holds)
    }
    orphaned = {item: hold for item, hold in last_of_victim.items() if not hold.released}
    assert orphaned, "the pod was killed holding at least one lease"
    taken_over = 0
    for item, dead in orphaned.items():
        later = [h for h in leases[item] if h.start > dead.start]
        if later:  # nobody may take a dead pod's lease before it expires
            assert later[0].start >= dead.end, f"{item} taken over before the dead pod's lease expired"
            assert any(later[0].owner.endswith(f":{p.pid}") for p in survivors)
            taken_over += 1
    assert taken_over >= 1, "a killed pod's booking with work left must be taken over after expiry"
    scenario_table.add(
        "three pods, one SIGKILLed mid-backlog", found.published, found.accounted, found.lost, started,
        f"{len(leases)} booking leases, overlap 0s; {len(orphaned)} held by the killed pod, "
        f"{taken_over} taken over after expiry",
    )
