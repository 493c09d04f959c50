"""How the cycle takes what a processor raises: an Exception is the record's failure (TryLater ERROR),
LeaseLost ends the booking's work saving nothing, and an interrupt is raised."""

from __future__ import annotations

import pytest
from records import MOVEMENT, SENTENCE_DATES, World, record

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.use_cases.synchronise import CycleSummary
from ptpu_core.work.cycle import LeaseLost


def test_a_processors_failure_is_saved_as_the_records_failure() -> None:
    world = World()
    first = record(1, MOVEMENT)
    world.store(first)
    world.processor.script[first.id] = RuntimeError("prison-api down")

    assert world.service.process_due() == CycleSummary(bookings=1, processed=1, retried=1, errors=1)
    assert world.stored(first).status is SynchroniseState.ERROR


def test_a_lost_lease_from_a_processor_ends_the_bookings_work_and_saves_nothing() -> None:
    world = World()
    first, second = record(1, MOVEMENT), record(1, SENTENCE_DATES)
    world.store(first, second)
    world.processor.script[first.id] = LeaseLost(1)

    assert world.service.process_due() == CycleSummary(bookings=1, lease_lost=1)
    assert world.processor.seen_ids() == [first.id]  # the work stopped: the second record was not tried
    assert world.stored(first) == first and world.stored(second) == second


def test_an_interrupt_is_raised_not_saved() -> None:
    world = World()
    first = record(1, MOVEMENT)
    world.store(first)

    def interrupted(message: Message) -> None:
        raise KeyboardInterrupt

    world.processor.on_process = interrupted

    with pytest.raises(KeyboardInterrupt):
        world.service.process_due()
    assert world.stored(first) == first
