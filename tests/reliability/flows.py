"""Steps shared by the service-level scenarios: publish a planned world, wait for it to settle, audit it."""

from __future__ import annotations

from reliability import world
from reliability.harness import ReliabilityStack, wait_until
from reliability.world import Audit, PlannedEvent


def publish_all(stack: ReliabilityStack, planned: list[PlannedEvent]) -> None:
    """Handled types through SNS; the unhandled type straight onto the queue (SNS's filter would drop it)."""
    for event in planned:
        if event.fate == world.IGNORED:
            stack.send_raw(world.sns_body(event))
        else:
            stack.publish(event.event_type, event.message)


def audit_now(stack: ReliabilityStack, planned: list[PlannedEvent]) -> Audit:
    visible, in_flight, dead = stack.queue_counts()
    return world.audit(planned, stack.records(), dead_lettered=dead, left_on_queue=visible + in_flight)


def wait_settled(stack: ReliabilityStack, planned: list[PlannedEvent], timeout: float) -> Audit:
    """Until the queue is empty and every planned-to-store event has a COMPLETED record."""
    def settled() -> bool:
        if not stack.queue_drained() or stack.record_count(processed=False):
            return False  # lost or not final either way: the full audit (a scan of every record) can wait
        found = audit_now(stack, planned)
        return found.lost == 0 and not found.not_final

    try:
        wait_until(settled, timeout, interval=0.5, what="every event handled and every record COMPLETED")
    except AssertionError as timeout_error:
        raise AssertionError(f"{timeout_error}; last audit: {audit_now(stack, planned)}") from None
    return audit_now(stack, planned)


def completed_count(stack: ReliabilityStack) -> int:
    return stack.record_count(processed=True)


def assert_all_accounted(found: Audit) -> None:
    assert found.lost == 0, found
    assert found.wrongly_stored == 0, found
    assert found.not_final == [], found
    assert found.published == found.accounted, found
