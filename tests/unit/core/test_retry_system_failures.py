"""The retry of system failures: records an outage left in ERROR are tried again within minutes of the
upstream's return, in small probes while it is still failing, without moving them into a later tier."""

from datetime import timedelta

from records import MOVEMENT, STATUS_CHANGE, World, record

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import done, try_later
from ptpu_core.use_cases.synchronise import PROBE_FAILURES, CycleSummary

ERROR = SynchroniseState.ERROR


def failed_record(booking_id: int, retry_count: int = 1, event_type: str = STATUS_CHANGE) -> Message:
    return record(booking_id, event_type, age=timedelta(hours=2), retry_count=retry_count, status=ERROR)


def test_only_records_failed_for_a_system_reason_in_the_short_tier_are_selected() -> None:
    world = World()
    errored = failed_record(1)
    no_match = record(2, age=timedelta(hours=2), retry_count=1, status=SynchroniseState.NO_MATCH)
    medium = failed_record(3, retry_count=5)
    never_tried = record(4, age=timedelta(hours=2))
    world.store(errored, no_match, medium, never_tried)

    summary = world.service.retry_system_failures(limit=100)

    assert world.processor.seen_ids() == [errored.id]
    assert summary.done == 1
    assert world.stored(errored).is_processed
    assert not world.stored(no_match).is_processed and not world.stored(medium).is_processed


def test_a_booking_s_other_records_are_processed_with_it_but_not_those_held_back() -> None:
    world = World()
    errored = failed_record(1)
    older_movement = record(1, MOVEMENT, age=timedelta(hours=3), retry_count=2, status=SynchroniseState.NO_MATCH)
    held_back = record(1, MOVEMENT, age=timedelta(minutes=5))
    world.store(errored, older_movement, held_back)

    world.service.retry_system_failures(limit=100)

    assert set(world.processor.seen_ids()) == {errored.id, older_movement.id}


def test_a_system_failure_again_keeps_the_retry_count_and_delete_by() -> None:
    world = World()
    errored = failed_record(1, retry_count=4)
    world.store(errored)
    world.processor.default = try_later(ERROR)

    summary = world.service.retry_system_failures(limit=100)

    stored = world.stored(errored)
    assert (stored.retry_count, stored.status, stored.delete_by) == (4, ERROR, errored.delete_by)
    assert summary.retried == 1


def test_an_exception_again_keeps_the_retry_count() -> None:
    world = World()
    errored = failed_record(1, retry_count=2)
    world.store(errored)
    world.processor.script[errored.id] = ConnectionError("community-api refused the connection")

    summary = world.service.retry_system_failures(limit=100)

    assert world.stored(errored).retry_count == 2
    assert summary.errors == 1


def test_a_business_outcome_counts_as_a_retry_as_any_tier_run_would() -> None:
    world = World()
    errored = failed_record(1, retry_count=1)
    world.store(errored)
    world.processor.default = try_later(SynchroniseState.NO_MATCH)

    world.service.retry_system_failures(limit=100)

    stored = world.stored(errored)
    assert (stored.retry_count, stored.status) == (2, SynchroniseState.NO_MATCH)


def test_while_the_upstream_still_fails_a_run_tries_one_booking() -> None:
    world = World()
    records = [failed_record(booking) for booking in range(1, 21)]
    world.store(*records)
    world.processor.default = try_later(ERROR)

    runs = [world.service.retry_system_failures(limit=100) for _ in range(3)]

    assert [run.bookings for run in runs] == [1, 1, 1]
    assert world.processor.seen_ids() == [r.id for r in records[:3]]  # each run a different booking
    assert all(world.stored(r).retry_count == 1 for r in records)


def test_after_a_good_first_booking_the_run_stops_once_failures_outnumber_successes() -> None:
    world = World()
    records = [failed_record(booking) for booking in range(1, 21)]
    world.store(*records)
    world.processor.default = try_later(ERROR)
    world.processor.script[records[0].id] = done(SynchroniseState.COMPLETED)

    summary = world.service.retry_system_failures(limit=100)

    assert summary.bookings == 1 + PROBE_FAILURES  # one success, then three failures (3 > 1)


def test_bookings_that_failed_again_go_last_so_a_few_bad_ones_cannot_block_the_rest() -> None:
    world = World()
    records = [failed_record(booking) for booking in range(1, 21)]
    world.store(*records)
    bad = records[:PROBE_FAILURES]  # selected first: the oldest bookings
    world.processor.default = done(SynchroniseState.COMPLETED)  # the upstream is back ...
    for record_ in bad:  # ... but these always fail (one bad answer each)
        world.processor.script[record_.id] = try_later(ERROR)

    runs = [world.service.retry_system_failures(limit=100) for _ in range(PROBE_FAILURES + 1)]

    assert [run.bookings for run in runs[:PROBE_FAILURES]] == [1] * PROBE_FAILURES  # each bad one, once
    assert runs[-1].done == 17
    assert world.processor.seen_ids()[-PROBE_FAILURES:] == [r.id for r in bad]  # the last run: them last
    assert sum(1 for r in records if world.stored(r).is_processed) == 17


def test_at_most_limit_bookings_are_taken() -> None:
    world = World()
    world.store(*(failed_record(booking) for booking in range(1, 11)))

    summary = world.service.retry_system_failures(limit=4)

    assert summary.bookings == 4
    assert summary.done == 4


def test_a_scheduled_run_reads_nothing_until_a_system_failure_is_saved() -> None:
    world = World()
    assert world.service.retry_system_failures(limit=10, only_after_failures=True) == CycleSummary()  # start: looks
    errored = failed_record(1)
    world.store(errored)  # left by another pod: this one has saved no failure since it looked

    quiet = world.service.retry_system_failures(limit=10, only_after_failures=True)
    world.store(record(2, age=timedelta(hours=2)))
    world.processor.script[world.repository.all()[-1].id] = ConnectionError("community-api down")
    world.service.process_due()  # saves a system failure: the next scheduled run looks
    after = world.service.retry_system_failures(limit=10, only_after_failures=True)

    assert quiet.bookings == 0
    assert after.bookings == 2
    assert world.stored(errored).is_processed


def test_the_dry_run_lists_what_the_run_would_take_and_writes_nothing() -> None:
    world = World()
    world.store(failed_record(7), failed_record(8), record(9, age=timedelta(hours=2), retry_count=1,
                                                           status=SynchroniseState.NO_MATCH))

    assert world.service.system_failures(limit=10) == [7, 8]
    assert world.service.system_failures(limit=1) == [7]
    assert world.processor.seen == []


def test_its_tries_are_counted_apart_from_the_tiers() -> None:
    world = World()
    world.store(failed_record(1))
    world.processor.default = try_later(ERROR)

    world.service.retry_system_failures(limit=10)

    assert world.metrics.count("retries", "SYSTEM_FAILURES") == 1
    assert world.metrics.count("retries", "SHORT") == 0
