"""Every record's saved outcome is counted by event type, system failures included, and every retry by its
tier: an upstream outage shows as ptpu_records_total{outcome="error"} however the status-change counters
(which, as the existing service's, count a failure only in a record's last day) read."""

import pytest
from records import ALL_EVENT_TYPES, MOVEMENT, STATUS_CHANGE, World, record

from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.record import SynchroniseState
from ptpu_core.outcomes import done, try_later
from ptpu_core.work.record_outcomes import outcome_label


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize("event_type", ALL_EVENT_TYPES)
def test_a_system_failure_is_counted_as_an_error_of_its_event_type(world: World, event_type: str) -> None:
    failing = record(1, event_type)
    world.store(failing)
    world.processor.script[failing.id] = UpstreamFailure("community-api", "PUT /x answered 503", 503)

    world.service.process_due()

    assert world.metrics.count("records", f"{event_type}:error") == 1
    assert world.stored(failing).status == SynchroniseState.ERROR


def test_a_cycle_counts_done_retry_and_error_records(world: World) -> None:
    done_one, retried, failed = record(1, STATUS_CHANGE), record(2, STATUS_CHANGE), record(3, MOVEMENT)
    world.store(done_one, retried, failed)
    world.processor.script[retried.id] = try_later(SynchroniseState.NO_MATCH)
    world.processor.script[failed.id] = UpstreamFailure("prison-api", "GET /x timed out")

    world.service.process_due()

    assert world.metrics.count("records", f"{STATUS_CHANGE}:done") == 1
    assert world.metrics.count("records", f"{STATUS_CHANGE}:retry") == 1
    assert world.metrics.count("records", f"{MOVEMENT}:error") == 1
    assert world.metrics.count("statusChange", "fail") == 0  # still only a record's last chance, as before


@pytest.mark.parametrize(("retry_count", "tier"), [(1, "SHORT"), (4, "SHORT"), (5, "MEDIUM"), (10, "MEDIUM"),
                                                    (11, "LONG"), (40, "LONG")])
def test_a_retried_record_is_counted_in_the_tier_of_its_retry_count(world: World, retry_count: int, tier: str) -> None:
    world.outcomes.apply(record(1, MOVEMENT, retry_count=retry_count), done(SynchroniseState.COMPLETED))

    assert world.metrics.count("retries", tier) == 1
    assert sum(count for (name, _), count in world.metrics.counts.items() if name == "retries") == 1


def test_a_first_try_is_no_retry(world: World) -> None:
    world.outcomes.apply(record(1, MOVEMENT, retry_count=0), done(SynchroniseState.COMPLETED))

    assert [key for key in world.metrics.counts if key[0] == "retries"] == []


def test_outcome_labels() -> None:
    assert outcome_label(done(SynchroniseState.NO_LONGER_VALID)) == "done"
    assert outcome_label(try_later(SynchroniseState.ERROR)) == "error"
    assert outcome_label(try_later(SynchroniseState.TOO_MANY_MATCHES)) == "retry"
