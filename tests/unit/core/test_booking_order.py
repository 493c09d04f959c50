"""Several pods: each pod walks a cycle's bookings in its own order (`PodSpread`), so pods do not
all try the same booking first; every booking is still walked once and a booking's records stay in order."""

from __future__ import annotations

from collections.abc import Iterator

from records import HOLD_BACK, NOW, SENTENCE_DATES, STATUS_CHANGE, World, record

from ptpu_core.rules.booking_order import WINDOW, PodSpread, as_selected
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_core.work.cycle import CycleSettings

SELECTION = list(range(9_000_000, 9_000_450))  # more than two windows of 200


def test_two_pods_walk_the_selection_in_different_orders_each_covering_every_booking_once() -> None:
    pod_a = list(PodSpread("ptpu@pod-a:1")(iter(SELECTION)))
    pod_b = list(PodSpread("ptpu@pod-b:1")(iter(SELECTION)))

    assert sorted(pod_a) == SELECTION
    assert sorted(pod_b) == SELECTION
    assert pod_a != pod_b
    assert pod_a[0] != pod_b[0]
    # Windows of 200: the first 200 walked are the selection's first 200, and so on.
    for start in (0, 200, 400):
        assert sorted(pod_a[start:start + 200]) == SELECTION[start:start + 200]
    # Two pods agree on few positions: far from the 450 of walking in the selection's order.
    assert sum(1 for a, b in zip(pod_a, pod_b, strict=True) if a == b) < 20


def test_a_pods_order_is_the_same_for_the_same_seed_and_the_default_is_the_selections() -> None:
    assert list(PodSpread("ptpu@pod-a:1")(SELECTION)) == list(PodSpread("ptpu@pod-a:1")(SELECTION))
    assert list(as_selected(SELECTION)) == SELECTION


def test_the_order_reads_the_selection_one_window_at_a_time() -> None:
    read: list[int] = []

    def selection() -> Iterator[int]:
        for booking_id in SELECTION:
            read.append(booking_id)
            yield booking_id

    walk = PodSpread("ptpu@pod-a:1")(selection())
    first = next(iter(walk))

    assert first in SELECTION[:WINDOW]
    assert len(read) == WINDOW  # the first window only: the rest is read when the walk gets there


def test_a_cycle_walks_bookings_in_the_pods_order_and_each_bookings_records_in_theirs() -> None:
    world = World()
    world.service = SynchronisationService(
        world.repository,
        fake_ports(world.clock, world.metrics, RecordingTelemetry()),
        DomainSettings(hold_back=HOLD_BACK),
        CycleSettings(booking_order=lambda ids: reversed(list(ids))),
        process=world.processor.process,
    )
    first = record(1, SENTENCE_DATES, created=NOW - HOLD_BACK * 4)
    second_status = record(2, STATUS_CHANGE, created=NOW - HOLD_BACK * 3)
    second_dates = record(2, SENTENCE_DATES, created=NOW - HOLD_BACK * 2)
    world.store(first, second_status, second_dates)

    world.service.process_due()

    # Booking 2 first (the order given), its status change before its sentence dates (priority order).
    assert world.processor.seen_ids() == [second_status.id, second_dates.id, first.id]
