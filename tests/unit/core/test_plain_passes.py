"""`passes_of`: the core's test support hands the cycle a plain processor (`process(message) -> Outcome`)
as booking passes, with the failure contract of `MessageProcessor.process_staged`."""

from __future__ import annotations

import pytest
from records import MOVEMENT, SENTENCE_DATES, World, record

from ptpu_core.models.record import Message
from ptpu_core.testing import passes_of
from ptpu_core.use_cases.synchronise import CycleSummary
from ptpu_core.work.booking_work import LeaseLost


def test_a_plain_processors_failure_is_handed_back_as_the_records_failure() -> None:
    world = World()
    first = record(1, MOVEMENT)
    world.processor.script[first.id] = RuntimeError("prison-api down")

    staged = passes_of(world.processor).booking_pass().process_staged(first)

    assert staged.outcome is None and isinstance(staged.error, RuntimeError)


def test_a_lost_lease_from_a_plain_processor_ends_the_bookings_pass_and_saves_nothing() -> None:
    world = World()
    first, second = record(1, MOVEMENT), record(1, SENTENCE_DATES)
    world.store(first, second)
    world.processor.script[first.id] = LeaseLost(1)

    assert world.service.process_due() == CycleSummary(bookings=1, lease_lost=1)
    assert world.processor.seen_ids() == [first.id]  # the pass stopped: the second record was not tried
    assert world.stored(first) == first and world.stored(second) == second


def test_an_interrupt_is_raised_not_handed_back() -> None:
    world = World()

    def interrupted(message: Message) -> None:
        raise KeyboardInterrupt

    world.processor.on_process = interrupted

    with pytest.raises(KeyboardInterrupt):
        passes_of(world.processor).booking_pass().process_staged(record(1, MOVEMENT))
