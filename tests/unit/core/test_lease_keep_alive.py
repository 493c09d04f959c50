"""A booking's lease is kept while its pass is in hand, and a pod that lost it writes nothing more.

Two pods (`SynchronisationService`s with their own `InMemoryBookingLeases` over one table) and one
IMPRISONMENT_STATUS-CHANGED that sets a NOMS number: four Delius writes and one
`probation-case.prison-identifier.added`. The contract is ShedLock's for a kept-alive lock
(lukas-krecan/ShedLock, shedlock-core `support/KeepAliveLockProvider.java`: once half of lockAtMostFor has
passed, extend it for a whole lockAtMostFor, and stop once an extension is refused; the storage accessors'
`extend` only while `locked_by` is this node), restated here per booking.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from builders import BOOKING_ID, PRISON, STATUS_CHANGE, Fakes, a_stored

from ptpu_core.models.prison import Booking
from ptpu_core.models.record import SynchroniseState
from ptpu_core.testing import (
    FakeCommunityApi,
    FakeDomainEventPublisher,
    FakePrisonApi,
    InMemoryBookingLeases,
    LeaseItem,
)
from ptpu_core.use_cases.synchronise import CycleSummary, SynchronisationService
from ptpu_core.work.cycle import PROCESS_DUE, CycleSettings
from ptpu_core.work.domain_events import PRISON_IDENTIFIER_ADDED

CRN = "X100001"
LEASE = timedelta(minutes=10)
DELIUS_WRITES = ["update_noms_number", "update_booking_number", "update_custody", "replace_key_dates"]


class SlowPrisonApi(FakePrisonApi):
    """prison-api whose first booking read runs `meanwhile` (time passing, another pod working)."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: Callable[[], None] | None = None

    def get_booking(self, booking_id: int) -> Booking:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return super().get_booking(booking_id)


class SlowCommunityApi(FakeCommunityApi):
    """community-api whose every write takes `write_time` of the fake clock; `after_write` runs after each
    write (another pod trying the lease meanwhile)."""

    def __init__(self, fakes: Fakes, write_time: timedelta) -> None:
        super().__init__()
        self._fakes = fakes
        self._write_time = write_time
        self.after_write: Callable[[], None] = lambda: None

    def _called(self, name: str, *args: object) -> None:
        super()._called(name, *args)
        if name != "get_convictions":
            self._fakes.clock.advance(self._write_time)
            self.after_write()


class Pods:
    """The world both pods share (Delius, prison-api, the message table, the lease table, the topic)."""

    def __init__(self, write_time: timedelta = timedelta(0)) -> None:
        self.fakes = Fakes(only_prisons=frozenset({PRISON}))
        self.prison = SlowPrisonApi()
        for seeded in ("bookings", "sentence_details", "sentence_terms", "prisoners"):
            setattr(self.prison, seeded, getattr(self.fakes.prison, seeded))
        self.community = SlowCommunityApi(self.fakes, write_time)
        self.fakes.prison, self.fakes.community = self.prison, self.community
        self.fakes.delius_offender(CRN)  # Delius holds the prisoner without a NOMS number
        self.fakes.search_finds("ALL_SUPPLIED_ALIAS_PARTIAL", CRN)
        self.topic = FakeDomainEventPublisher()
        self.table: dict[int, LeaseItem] = {}
        self.fakes.repository.add(a_stored(STATUS_CHANGE))

    def leases(self, owner: str) -> InMemoryBookingLeases:
        return InMemoryBookingLeases(self.fakes.clock, owner, LEASE, self.table)

    def pod(self, leases: InMemoryBookingLeases) -> SynchronisationService:
        f = self.fakes
        return SynchronisationService(
            f.repository, f.ports(domain_events=self.topic), f.settings, CycleSettings(leases=leases)
        )

    def delius_writes(self) -> list[str]:
        return [name for name in self.community.call_names() if name != "get_convictions"]


def test_a_pod_whose_lease_another_pod_took_makes_no_write_and_leaves_the_record_to_it() -> None:
    """Pod A's booking read outlasts its lease; pod B takes the booking then and syncs it. A, resuming,
    finds the lease gone before its first write: it writes nothing, publishes nothing and saves nothing."""
    pods = Pods()
    a_leases, b_leases = pods.leases("pod-a"), pods.leases("pod-b")
    pod_a, pod_b = pods.pod(a_leases), pods.pod(b_leases)
    b_summaries: list[CycleSummary] = []

    def lease_runs_out_and_b_syncs_the_booking() -> None:
        pods.fakes.clock.advance(LEASE + timedelta(seconds=1))
        b_summaries.append(pod_b.process_due())

    pods.prison.meanwhile = lease_runs_out_and_b_syncs_the_booking

    summary_a = pod_a.process_due()

    assert pods.delius_writes() == DELIUS_WRITES  # each once: B's; none of A's
    assert pods.topic.event_types() == [PRISON_IDENTIFIER_ADDED]
    assert b_summaries == [CycleSummary(bookings=1, processed=1, done=1)]
    assert summary_a == CycleSummary(bookings=1, lease_lost=1)
    (record,) = pods.fakes.repository.all()
    assert record.is_processed and record.status == SynchroniseState.COMPLETED and record.retry_count == 0
    assert pods.table[BOOKING_ID].locked_by == "pod-b"  # A's late release left B's item alone


def test_a_pass_longer_than_half_its_lease_keeps_it_and_no_other_pod_takes_the_booking() -> None:
    """Each Delius write takes 4 minutes of a 10-minute lease: the pass outlives the lease it took, so
    without keeping it pod B would take the booking mid-pass (and sync it again)."""
    pods = Pods(write_time=timedelta(minutes=4))
    a_leases, b_leases = pods.leases("pod-a"), pods.leases("pod-b")
    refused: list[bool] = []
    pods.community.after_write = lambda: refused.append(not b_leases.try_lease(BOOKING_ID, PROCESS_DUE))

    summary = pods.pod(a_leases).process_due()

    assert summary == CycleSummary(bookings=1, processed=1, done=1)
    assert refused == [True] * len(DELIUS_WRITES)  # B was refused after every write
    assert pods.delius_writes() == DELIUS_WRITES
    assert pods.topic.event_types() == [PRISON_IDENTIFIER_ADDED]
    assert a_leases.kept == [BOOKING_ID, BOOKING_ID]  # extended only when under half was left
    assert pods.table[BOOKING_ID].lock_until == pods.fakes.clock.now()  # released at the end


def test_a_pass_within_half_its_lease_writes_nothing_to_keep_it() -> None:
    pods = Pods()
    a_leases = pods.leases("pod-a")

    assert pods.pod(a_leases).process_due() == CycleSummary(bookings=1, processed=1, done=1)
    assert a_leases.writes == [BOOKING_ID] and a_leases.kept == []  # the take (and release) only
    assert pods.delius_writes() == DELIUS_WRITES


def test_a_pod_that_loses_its_lease_mid_record_journals_the_writes_that_landed() -> None:
    """Pod A's lease runs out after its second Delius write and pod B takes the booking. A stops before its
    third write, journalling the two that landed on the record, so B, syncing the booking next, sends only the
    other two: each write and the domain event reach Delius and the topic once."""
    pods = Pods()
    a_leases, b_leases = pods.leases("pod-a"), pods.leases("pod-b")
    writes = 0

    def lease_runs_out_after_the_second_write() -> None:
        nonlocal writes
        writes += 1
        if writes == 2:
            pods.fakes.clock.advance(LEASE + timedelta(seconds=1))
            assert b_leases.try_lease(BOOKING_ID, PROCESS_DUE)

    pods.community.after_write = lease_runs_out_after_the_second_write

    summary_a = pods.pod(a_leases).process_due()
    b_leases.release(BOOKING_ID, PROCESS_DUE)  # B's take above stood for another pod's whole pass
    summary_b = pods.pod(b_leases).process_due()

    assert summary_a == CycleSummary(bookings=1, lease_lost=1)
    assert summary_b == CycleSummary(bookings=1, processed=1, done=1)
    assert pods.delius_writes() == DELIUS_WRITES
    assert pods.topic.event_types() == [PRISON_IDENTIFIER_ADDED]
    (record,) = pods.fakes.repository.all()
    assert record.is_processed and record.status == SynchroniseState.COMPLETED
