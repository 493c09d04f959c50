"""After a store failure mid-processing, what already happened is not done again.

The record journals each landed Delius write and each telemetry event / metric count of an attempt
(ptpu_core.work.effect_journal). Processing it again skips the writes that landed and emits nothing the
unsaved attempt already emitted; a later attempt (a retry) still reports its own outcome.
"""

from __future__ import annotations

import pytest
from builders import (
    PRISON,
    SENTENCE_DATES,
    STATUS_CHANGE,
    Fakes,
    a_stored,
    inner_message,
)

from ptpu_core import telemetry_names as names
from ptpu_core.errors import StoreFailure
from ptpu_core.models.record import Message
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.testing import InMemoryMessageRepository, OneRecord
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_core.work.cycle import CycleSettings
from ptpu_core.work.effect_journal import EffectJournal, write_key

CRN = "X142620"


class FailingUpdates(InMemoryMessageRepository):
    """Saving an outcome fails the first `failures` times (the journal's own writes succeed)."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def update(self, message: Message) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise StoreFailure("DynamoDB updating record failed (injected)")
        super().update(message)


def journalled(fakes: Fakes) -> OneRecord:
    return fakes.processor(store=fakes.repository)


def synchronisation(fakes: Fakes, cycle: CycleSettings = CycleSettings()) -> SynchronisationService:
    return SynchronisationService(fakes.repository, fakes.ports(), fakes.settings, cycle)


@pytest.fixture
def fakes() -> Fakes:
    world = Fakes(only_prisons=frozenset({PRISON}))
    world.linked_offender(CRN)
    world.repository = FailingUpdates(failures=1)
    return world


def test_a_failed_save_after_processing_repeats_no_write_event_or_count(fakes: Fakes) -> None:
    fakes.repository.add(a_stored(SENTENCE_DATES))
    sync = synchronisation(fakes)

    with pytest.raises(StoreFailure):
        sync.process_due()  # key dates written, then the outcome could not be saved
    summary = sync.process_due()

    assert summary.done == 1
    [stored] = fakes.repository.all()
    assert stored.status is State.COMPLETED
    assert fakes.community_writes() == ["replace_key_dates"]
    assert fakes.telemetry.names() == [names.SENTENCE_DATES_CHANGED]
    assert fakes.metrics.count("sentenceDateChange", "total") == 1
    assert fakes.metrics.count("sentenceDateChange", "success") == 1


def test_a_status_change_saved_late_writes_delius_and_reports_once(fakes: Fakes) -> None:
    fakes.repository.add(a_stored(STATUS_CHANGE, inner_message(STATUS_CHANGE, imprisonmentStatusSeq=0)))
    sync = synchronisation(fakes)

    with pytest.raises(StoreFailure):
        sync.process_due()
    sync.process_due()

    assert fakes.community_writes() == ["update_booking_number", "update_custody", "replace_key_dates"]
    assert fakes.telemetry.names().count(names.IMPRISONMENT_STATUS_UPDATED) == 1
    assert fakes.telemetry.names().count(names.OFFENDER_MATCH) == 1
    assert fakes.metrics.count("statusChange", "success") == 1
    [stored] = fakes.repository.all()
    assert stored.status is State.COMPLETED


def test_a_retry_after_a_failed_write_skips_the_writes_that_landed(fakes: Fakes) -> None:
    fakes.repository = InMemoryMessageRepository()
    fakes.repository.add(a_stored(STATUS_CHANGE, inner_message(STATUS_CHANGE, imprisonmentStatusSeq=0)))
    fakes.community.failing_calls.add("update_custody")
    processor = journalled(fakes)

    with pytest.raises(Exception, match="update_custody"):
        processor.process(fakes.repository.all()[0])
    fakes.community.failing_calls.clear()
    outcome = processor.process(fakes.repository.all()[0])  # the stored record, journal included

    assert outcome.status.state is State.COMPLETED
    assert fakes.community_writes() == [
        "update_booking_number",
        "update_custody",  # failed
        "update_custody",
        "replace_key_dates",
    ]


def test_a_later_attempt_reports_its_own_outcome_again(fakes: Fakes) -> None:
    """A retry (retry count moved on) is a new attempt: its telemetry is emitted, as the existing
    service emits on every retry; its identical writes are still skipped."""
    fakes.repository = InMemoryMessageRepository()
    fakes.community.key_dates_not_found[("A5089DY", "38339A")] = "no bookingNumber 38339A"
    record = a_stored(STATUS_CHANGE, inner_message(STATUS_CHANGE, imprisonmentStatusSeq=0))
    fakes.repository.add(record)
    processor = journalled(fakes)

    first = processor.process(fakes.repository.all()[0])
    retried = fakes.repository.all()[0]
    retried.retry_count = 1
    second = processor.process(retried)

    assert first.status.state is second.status.state is State.KEY_DATES_NOT_UPDATED
    assert fakes.telemetry.names().count(names.KEY_DATES_NOT_UPDATED) == 2
    assert fakes.community_writes() == [
        "update_booking_number",
        "update_custody",
        "replace_key_dates",  # 404: not landed, so sent again
        "replace_key_dates",
    ]
    assert not any(step.startswith("a0:") for step in retried.applied_steps)  # the old attempt's pruned


def test_a_merge_replayed_reports_the_crns_it_moved() -> None:
    fakes = Fakes(only_prisons=frozenset({PRISON}))
    fakes.delius_offender(CRN, "A1111AA")
    fakes.merged("A1111AA")
    record = a_stored("BOOKING_NUMBER-CHANGED")
    fakes.repository.add(record)
    processor = journalled(fakes)

    first = processor.process(fakes.repository.all()[0])
    replayed = processor.process(fakes.repository.all()[0])  # same attempt: its outcome was never saved

    assert first == replayed
    assert replayed.status.matching_crns == (CRN,)
    assert fakes.community_writes() == ["replace_noms_number"]
    assert fakes.telemetry.names() == [names.BOOKING_NUMBER_CHANGED]  # no false "offender not found"


def test_journal_keys_tell_writes_apart() -> None:
    assert write_key("update_custody", "A5089DY", "38339A", "MDI") == write_key(
        "update_custody", "A5089DY", "38339A", "MDI"
    )
    assert write_key("update_custody", "A5089DY", "38339A", "MDI") != write_key(
        "update_custody", "A5089DY", "38339A", "LEI"
    )


def test_a_failed_journal_write_emits_nothing() -> None:
    class Refusing:
        def record_applied_steps(self, message_id: str, steps: object) -> None:
            raise StoreFailure("journal write failed (injected)")

    emitted: list[str] = []
    journal = EffectJournal(a_stored(SENTENCE_DATES), Refusing())
    journal.effect("t:event", lambda: emitted.append("event"))
    with pytest.raises(StoreFailure):
        journal.flush()
    assert emitted == []


class CountingStore(InMemoryMessageRepository):
    """Counts the record writes a cycle makes: outcome saves and journal-only writes."""

    def __init__(self, failing_updates: int = 0, failing_journals: int = 0) -> None:
        super().__init__()
        self.updates = 0
        self.journal_writes = 0
        self.failing_updates = failing_updates
        self.failing_journals = failing_journals

    def update(self, message: Message) -> None:
        self.updates += 1
        if self.failing_updates > 0:
            self.failing_updates -= 1
            raise StoreFailure("DynamoDB updating record failed (injected)")
        super().update(message)

    def record_applied_steps(self, message_id: str, steps: object) -> None:
        self.journal_writes += 1
        if self.failing_journals > 0:
            self.failing_journals -= 1
            raise StoreFailure("DynamoDB journalling failed (injected)")
        super().record_applied_steps(message_id, steps)  # type: ignore[arg-type]


def test_the_outcome_save_carries_the_journal_in_one_store_write(fakes: Fakes) -> None:
    """The cycle's save of the outcome carries the journal, so a record costs one store
    write, not a journal UpdateItem and then the outcome's PutItem."""
    store = fakes.repository = CountingStore()
    store.add(a_stored(SENTENCE_DATES))

    synchronisation(fakes).process_due()

    assert (store.updates, store.journal_writes) == (1, 0)
    [stored] = store.all()
    assert stored.status is State.COMPLETED
    assert any(step.startswith("w:replace_key_dates:") for step in stored.applied_steps)
    assert f"a0:t:{names.SENTENCE_DATES_CHANGED}#1" in stored.applied_steps
    assert fakes.telemetry.names() == [names.SENTENCE_DATES_CHANGED]


def test_with_tracing_on_a_record_still_costs_one_store_write(fakes: Fakes) -> None:
    """With an exporter configured, as in production, each record's processing and save run in its span
    (the container gives the cycle OpenTelemetryRecords), and the journal still rides on the one save."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ptpu_adapters.observability.tracing import OpenTelemetryRecords

    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    store = fakes.repository = CountingStore()
    store.add(a_stored(SENTENCE_DATES))
    tracing = OpenTelemetryRecords(provider.get_tracer("test"))

    synchronisation(fakes, CycleSettings(tracing=tracing)).process_due()

    assert (store.updates, store.journal_writes) == (1, 0)
    [span] = spans.get_finished_spans()
    assert span.name == f"process {SENTENCE_DATES}"
    assert span.attributes is not None and span.attributes["ptpu.status"] == "COMPLETED"
    assert store.all()[0].status is State.COMPLETED


def test_the_journal_is_written_alone_when_the_outcome_save_fails(fakes: Fakes) -> None:
    store = fakes.repository = CountingStore(failing_updates=1)
    store.add(a_stored(SENTENCE_DATES))

    with pytest.raises(StoreFailure):
        synchronisation(fakes).process_due()

    assert (store.updates, store.journal_writes) == (1, 1)
    [stored] = store.all()
    assert stored.status is State.VALIDATED  # not processed as far as the table knows...
    assert any(step.startswith("w:replace_key_dates:") for step in stored.applied_steps)  # ...but journalled
    assert fakes.telemetry.names() == [names.SENTENCE_DATES_CHANGED]  # emitted once the journal landed


def test_when_neither_save_lands_nothing_is_emitted_until_the_retry(fakes: Fakes) -> None:
    """Both writes refused: the events wait for the attempt that is saved, so they are emitted once;
    only then is the landed Delius write sent again (the journal never reached the store)."""
    store = fakes.repository = CountingStore(failing_updates=1, failing_journals=1)
    store.add(a_stored(SENTENCE_DATES))
    sync = synchronisation(fakes)

    with pytest.raises(StoreFailure):
        sync.process_due()
    assert fakes.telemetry.names() == []
    sync.process_due()

    assert fakes.telemetry.names() == [names.SENTENCE_DATES_CHANGED]
    assert fakes.metrics.count("sentenceDateChange", "success") == 1
    assert fakes.community_writes() == ["replace_key_dates", "replace_key_dates"]
