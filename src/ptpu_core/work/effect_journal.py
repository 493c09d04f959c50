"""Each effect of processing a record happens once, even when its outcome could not be saved.

Processing a record writes to Delius and emits telemetry and metrics, then saves the outcome. When
that save fails (or the processor fails part-way), the record is processed again later: without a
journal every write, event and count would be repeated. So each effect is recorded on the stored
record (`Message.applied_steps`, the item's `appliedSteps` string set) and a repeat skips it:

- A Delius write is journalled after it lands (a 2xx; a 404/409 "not done" is not journalled), keyed
  by the operation and a digest of its arguments: `w:<operation>:<digest>[=<summary>]`. Processing the
  record again, at any retry, skips a write with the same key and answers as community-api did (the
  summary keeps what the processors read from the answer: the CRNs a merge moved, the institution's
  description). A different write (prison-api's data changed) has a different key and is sent.
- Telemetry events and metric counts are journalled before they are emitted, keyed by the attempt
  (the record's retry count, which only a saved outcome changes), their name and their occurrence
  within the attempt: `a<retry>:t:<name>#<n>`, `a<retry>:m:<metric>:<kind>#<n>`. A repeat of the
  same attempt (its outcome was never saved) emits none of them again; a later attempt emits its
  own, as the existing service does on every retry. Entries of earlier attempts are dropped.

Cost: no store write of its own when the processing cycle saves the outcome (one DynamoDB
round trip fewer per record): the cycle `stage()`s the journal onto the record, so the outcome's own
write carries the landed writes and the buffered events' keys, and the events are emitted once that
write succeeded (`saved()`). Only when the outcome's write fails is the journal written alone (an
UpdateItem ADD, `flush()`), and its events emitted once that lands. So a failed save of the outcome, or
a failure part-way (an upstream error after some writes landed), repeats nothing, as long as one of the
two writes lands. When both fail (StoreFailure) the events are not emitted (the retry emits them), and
only then are the landed writes sent again; a process killed mid-record also sends its writes again
(journalling each write as it lands would close that window at the price of a store write per Delius
write). Used on its own (`MessageProcessor.process`), the journal is flushed when processing ends or
fails, before the caller saves anything: one UpdateItem per record.

Every Delius write and every publish not already landed asks `before_write()` first: the booking's lease
check (`ptpu_core.work.booking_work.HeldLease.confirm`), which raises LeaseLost once another pod holds the
booking, so a pod that lost its lease makes no further write for it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from typing import Protocol

from ptpu_core.models.probation import (
    Conviction,
    Custody,
    IDs,
    Institution,
    NotFound,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_core.models.record import Message
from ptpu_core.ports import CommunityApi, Metrics, Telemetry

WRITE = "w:"
_DIGEST_CHARS = 16


class AppliedStepStore(Protocol):
    def record_applied_steps(self, message_id: str, steps: Collection[str]) -> None:
        """Add `steps` to the stored record's applied steps (a set union); StoreFailure on failure."""
        ...


class EffectJournal:
    """One record's journal for one processing attempt. Not thread-safe: one record, one thread."""

    def __init__(
        self, message: Message, store: AppliedStepStore, confirm_lease: Callable[[], None] | None = None
    ) -> None:
        """`confirm_lease`: raises LeaseLost unless the booking's lease is still ours (None: no lease)."""
        self._message = message
        self._store = store
        self._confirm_lease = confirm_lease
        self._attempt = f"a{message.retry_count}:"
        # Entries of earlier attempts are no longer needed: their outcomes were saved.
        message.applied_steps = frozenset(
            step for step in message.applied_steps if step.startswith(WRITE) or step.startswith(self._attempt)
        )
        self._occurrences: Counter[str] = Counter()
        self._pending: list[tuple[str, Callable[[], None]]] = []
        self._written: list[str] = []

    def effect(self, key: str, emit: Callable[[], None]) -> None:
        """Emit `emit` once per attempt: buffered until the next flush, skipped when already journalled."""
        self._occurrences[key] += 1
        step = f"{self._attempt}{key}#{self._occurrences[key]}"
        if step not in self._message.applied_steps:
            self._pending.append((step, emit))

    def landed_write(self, key: str) -> str | None:
        """The summary of an earlier landed write with this key ("" for none), None when not written."""
        for step in (*self._written, *self._message.applied_steps):
            if step == key or step.startswith(key + "="):
                return step[len(key) + 1 :]
        return None

    def before_write(self) -> None:
        """About to make a Delius write or publish: LeaseLost when the booking's lease is no longer ours."""
        if self._confirm_lease is not None:
            self._confirm_lease()

    def wrote(self, step: str) -> None:
        """A Delius write landed: `step` is its key, with `=<summary>` when the answer matters."""
        self._written.append(step)

    def stage(self) -> None:
        """Put the landed writes and the buffered effects' keys on the record in hand (`applied_steps`), to
        be stored by the caller's own save of the record; then `saved()` once that save succeeded, or
        `flush()` when it failed. Nothing is emitted yet."""
        self._message.applied_steps = self._message.applied_steps | frozenset(
            [step for step, _ in self._pending] + self._written
        )

    def saved(self) -> None:
        """The record was stored with its staged steps: emit the buffered effects (each once)."""
        pending, self._pending, self._written = self._pending, [], []
        for _, emit in pending:
            emit()

    def flush(self) -> None:
        """Journal the landed writes and buffered effects in one store write, then emit the effects."""
        steps = [step for step, _ in self._pending] + self._written
        if not steps:
            return
        self._store.record_applied_steps(self._message.id, steps)
        self._message.applied_steps = self._message.applied_steps | frozenset(steps)
        pending, self._pending, self._written = self._pending, [], []
        for _, emit in pending:
            emit()


def write_key(operation: str, *arguments: object) -> str:
    """`w:<operation>:<digest>`: the digest (sha256 of the arguments' repr, attrs models included)
    tells one write from another; the same write has the same key on every attempt."""
    digest = hashlib.sha256(repr(arguments).encode()).hexdigest()[:_DIGEST_CHARS]
    return f"{WRITE}{operation}:{digest}"


class JournalledTelemetry:
    def __init__(self, real: Telemetry, journal: EffectJournal) -> None:
        self._real = real
        self._journal = journal

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        copied = dict(attributes)
        self._journal.effect(f"t:{name}", lambda: self._real.track_event(name, copied))


class JournalledMetrics:
    def __init__(self, real: Metrics, journal: EffectJournal) -> None:
        self._real = real
        self._journal = journal

    def movement(self, kind: str) -> None:
        self._journal.effect(f"m:movement:{kind}", lambda: self._real.movement(kind))

    def sentence_date_change(self, kind: str) -> None:
        self._journal.effect(f"m:sentenceDateChange:{kind}", lambda: self._real.sentence_date_change(kind))

    def status_change(self, kind: str) -> None:
        self._journal.effect(f"m:statusChange:{kind}", lambda: self._real.status_change(kind))

    def status_change_succeeded(self, retries: int, days: float) -> None:
        self._journal.effect(
            "m:statusChangeSucceeded", lambda: self._real.status_change_succeeded(retries=retries, days=days)
        )

    def duplicate_message(self, event_type: str) -> None:
        self._real.duplicate_message(event_type)  # a receive-time count; never part of processing

    def unreadable_record(self, kind: str) -> None:
        self._real.unreadable_record(kind)  # the record is settled at once, so never replayed

    def record_processed(self, event_type: str, outcome: str) -> None:
        self._real.record_processed(event_type, outcome)  # counted by the outcome's save, once per save

    def record_retried(self, tier: str) -> None:
        self._real.record_retried(tier)  # as record_processed


class JournalledCommunityApi:
    """Reads pass through; each write is skipped when the record's journal says it landed."""

    def __init__(self, real: CommunityApi, journal: EffectJournal) -> None:
        self._real = real
        self._journal = journal

    def get_convictions(self, crn: str) -> list[Conviction]:
        return self._real.get_convictions(crn)

    def update_noms_number(self, crn: str, noms_number: str) -> IDs:
        key = write_key("update_noms_number", crn, noms_number)
        if self._journal.landed_write(key) is not None:
            return IDs(crn=crn, noms_number=noms_number)
        self._journal.before_write()
        answer = self._real.update_noms_number(crn, noms_number)
        self._journal.wrote(key)
        return answer

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[IDs]:
        key = write_key("replace_noms_number", old_noms_number, new_noms_number)
        landed = self._journal.landed_write(key)
        if landed is not None:
            return [IDs(crn=crn, noms_number=new_noms_number) for crn in landed.split(",") if crn]
        self._journal.before_write()
        replaced = self._real.replace_noms_number(old_noms_number, new_noms_number)
        if replaced:  # [] is community-api's 404/409: nothing was changed
            self._journal.wrote(f"{key}={','.join(ids.crn for ids in replaced)}")
        return replaced

    def update_booking_number(self, noms_number: str, body: UpdateCustodyBookingNumber) -> Custody | None:
        key = write_key("update_booking_number", noms_number, body)
        if self._journal.landed_write(key) is not None:
            return Custody(booking_number=body.booking_number)
        self._journal.before_write()
        answer = self._real.update_booking_number(noms_number, body)
        if answer is not None:
            self._journal.wrote(key)
        return answer

    def update_custody(self, noms_number: str, booking_number: str, body: UpdateCustody) -> Custody | None:
        key = write_key("update_custody", noms_number, booking_number, body)
        landed = self._journal.landed_write(key)
        if landed is not None:
            code = body.noms_prison_institution_code
            institution = Institution(description=landed or None, noms_prison_institution_code=code)
            return Custody(booking_number=booking_number, institution=institution)
        self._journal.before_write()
        answer = self._real.update_custody(noms_number, booking_number, body)
        if answer is not None:
            description = answer.institution.description if answer.institution else None
            self._journal.wrote(f"{key}={description or ''}")
        return answer

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: ReplaceCustodyKeyDates
    ) -> Custody | NotFound:
        key = write_key("replace_key_dates", noms_number, booking_number, body)
        if self._journal.landed_write(key) is not None:
            return Custody(booking_number=booking_number)
        self._journal.before_write()
        answer = self._real.replace_key_dates(noms_number, booking_number, body)
        if not isinstance(answer, NotFound):
            self._journal.wrote(key)
        return answer
