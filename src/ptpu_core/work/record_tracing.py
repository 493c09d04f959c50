"""Tracing one record's processing, from its first upstream call to the save of its outcome.

The cycle (`synchronise`) opens a span per record around the whole unit: processing, the one store write
that saves the outcome with its journal, and the telemetry emitted once that save has landed, so every call
and event of the record sits in the record's trace (its stored W3C context). The adapter is OpenTelemetry
(`ptpu_adapters.observability.tracing.OpenTelemetryRecords`); without tracing configured, `NO_TRACING` does nothing.
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
