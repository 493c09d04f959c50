"""Counting messages sent to the DLQ from the telemetry event that already announces each one.

hmpps-spring-boot-sqs's HmppsErrorVisibilityHandler tracks `<eventType>-sent-to-dlq` when a message's last
receive before redrive fails (ptpu: `ErrorVisibility.after_failure`); `eventType` is `null` when the message
had none (as Kotlin prints it). Every event of that shape is counted here, whoever emits it (a poison
message's too, when the listener announces one), so the metric (`ptpu_messages_sent_to_dlq_total`) and
App Insights never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ptpu_core import ports

SENT_TO_DLQ_SUFFIX = "-sent-to-dlq"


class DlqCountingTelemetry:
    """`inner` gets every event; one whose name ends `-sent-to-dlq` is also counted by `count(event_type)`."""

    def __init__(self, inner: ports.Telemetry, count: Callable[[str], None]) -> None:
        self.inner = inner
        self._count = count

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        self.inner.track_event(name, attributes)
        if name.endswith(SENT_TO_DLQ_SUFFIX):
            self._count(name.removesuffix(SENT_TO_DLQ_SUFFIX))


def _satisfies_port(adapter: DlqCountingTelemetry) -> ports.Telemetry:
    return adapter  # mypy proves DlqCountingTelemetry implements the port
