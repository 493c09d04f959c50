"""A span per record around its processing, the save of its outcome and the telemetry emitted after it, in
the record's trace (`ptpu_adapters.observability.tracing.OpenTelemetryRecords`; `NO_TRACING` does nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from ptpu_core.models.record import Message
from ptpu_core.outcomes import Outcome


class RecordSpan(Protocol):
    def outcome(self, outcome: Outcome) -> None:
        """What processing decided (and the save stored)."""

    def failed(self, error: BaseException) -> None:
        """Processing raised `error`; the record is saved for a retry."""


class RecordTracing(Protocol):
    def record(self, message: Message) -> AbstractContextManager[RecordSpan]:
        """A span for `message`'s processing and save; an exception leaving it marks the span failed."""


class _NoSpan:
    def outcome(self, outcome: Outcome) -> None:
        return None

    def failed(self, error: BaseException) -> None:
        return None


class NoTracing:
    @contextmanager
    def record(self, message: Message) -> Iterator[RecordSpan]:
        yield _NoSpan()


NO_TRACING: RecordTracing = NoTracing()
