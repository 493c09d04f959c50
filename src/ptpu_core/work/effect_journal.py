"""Each effect of processing a record happens once, even when its outcome could not be saved. The journal is
the record's `applied_steps`: `w:<operation>:<digest>[=<summary>]` for a write or publish that landed (a
repeat answers from the summary), `a<retry>:t:<name>#<n>` / `a<retry>:m:<metric>:<kind>#<n>` for an attempt's
telemetry, emitted once stored. It rides on the outcome's save (docs/decisions/0003)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection
from typing import Protocol

from ptpu_core.models.record import Message

WRITE = "w:"
_DIGEST_CHARS = 16


class AppliedStepStore(Protocol):
    def record_applied_steps(self, message_id: str, steps: Collection[str]) -> None:
        """Add `steps` to the stored record's applied steps (a set union); StoreFailure on failure."""


class EffectJournal:
    """One record's journal for one processing attempt. Not thread-safe: one record, one thread."""

    def __init__(self, message: Message, store: AppliedStepStore) -> None:
        self._message = message
        self._store = store
        self._attempt = f"a{message.retry_count}:"
        # Entries of earlier attempts are no longer needed: their outcomes were saved.
        message.applied_steps = frozenset(
            step for step in message.applied_steps if step.startswith(WRITE) or step.startswith(self._attempt)
        )
        self._occurrences: Counter[str] = Counter()
        self._pending: list[tuple[str, Callable[[], None]]] = []
        self._written: list[str] = []

    def effect(self, key: str, emit: Callable[[], None]) -> None:
        """Emit `emit` once per attempt: buffered until the journal is stored, skipped when already journalled."""
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

    def wrote(self, step: str) -> None:
        """A Delius write landed: `step` is its key, with `=<summary>` when the answer matters."""
        self._written.append(step)

    def stage(self) -> None:
        """Put the journal on the record for the caller's save; then `saved()` or, if that failed, `flush()`."""
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
        self.saved()


def write_key(operation: str, *arguments: object) -> str:
    """`w:<operation>:<digest of the arguments' repr>`: the same write has the same key on every attempt."""
    digest = hashlib.sha256(repr(arguments).encode()).hexdigest()[:_DIGEST_CHARS]
    return f"{WRITE}{operation}:{digest}"
