"""Prometheus metrics under the existing service's names (MetricsService, Micrometer), for its Grafana dashboard.
One collector owns every series: the dashboard reads a counter `ptpu_statusChange_total{type}` and a histogram
`ptpu_statusChange`, which prometheus_client's Counter and Histogram would not share a registry under. Serve
the classic text format. Every series is pre-set to zero (increase() cannot see a series' first count).
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Iterator, Mapping, Sequence

from prometheus_client.core import CollectorRegistry, CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ptpu_core import ports
from ptpu_core.models.events import EventType

MOVEMENT = "ptpu_movement"
SENTENCE_DATE_CHANGE = "ptpu_sentenceDateChange"
STATUS_CHANGE = "ptpu_statusChange"
STATUS_CHANGE_RETRIES = "ptpu_statusChange_retries"
# The same counts as STATUS_CHANGE's counter, under the name the existing dashboard reads since May 2021.
STATUS_CHANGE_COUNTER = "ptpu_statusChangeCounter"
DAYS_EVENT_TYPE = "successAfterTimeDays"
RETRIES_EVENT_TYPE = "successAfterRetries"
UNREADABLE_RECORD = "ptpu_unreadableRecord"  # ours, not on the existing dashboard
DUPLICATE_MESSAGE = "ptpu_duplicateMessage"  # new; type = the event type

COUNTER_TYPES: dict[str, tuple[str, ...]] = {
    MOVEMENT: ("total", "success", "fail"),
    SENTENCE_DATE_CHANGE: ("total", "success", "fail_no_offender", "fail_no_conviction"),
    STATUS_CHANGE: ("total", "success", "fail"),
    UNREADABLE_RECORD: ("item", "message"),
    DUPLICATE_MESSAGE: tuple(event_type.value for event_type in EventType),
}
COUNTER_HELP = {
    MOVEMENT: "External movements processed, by outcome",
    SENTENCE_DATE_CHANGE: "Sentence date changes processed, by outcome",
    STATUS_CHANGE: "Imprisonment status changes processed, by outcome",
    UNREADABLE_RECORD: "Stored records skipped (item) or settled (message) because they could not be read",
    DUPLICATE_MESSAGE: "Copies of an already stored event, acknowledged and not stored again, by event type",
}
# Ours, not in the existing service.
RECORDS = "ptpu_records"
RECORD_OUTCOMES = ("done", "retry", "error")
RETRIES = "ptpu_retries"
RETRY_TIERS = ("SHORT", "MEDIUM", "LONG", "SYSTEM_FAILURES")  # the last: retrySystemFailures' probes
SENT_TO_DLQ = "ptpu_messages_sent_to_dlq"
OTHER_EVENT_TYPE = "other"  # an event type we do not handle, kept out of the labels' values
EVENT_TYPES = tuple(event_type.value for event_type in EventType)
RETRY_BUCKETS = (0, 1, 2, 3, 4, 5, 10, 15, 20, 25, 30)
DAY_BUCKETS = (0.5, 1, 2, 3, 5, 7, 14, 21, 28, 35)


class Histogram:
    """Counts by upper bound (and +Inf) and the sum; not thread-safe: its owner locks."""

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(float(bound) for bound in bounds)
        self.counts = [0] * (len(self.bounds) + 1)  # the last slot is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def buckets(self) -> list[tuple[str, float]]:
        """The cumulative counts, by `le` as micrometer writes it (`1.0`, `0.5`, `+Inf`)."""
        running = list(itertools.accumulate(self.counts))
        return [(str(bound), float(count)) for bound, count in zip(self.bounds, running, strict=False)] + [
            ("+Inf", float(running[-1]))
        ]

    def family(self, name: str, documentation: str, event_type: str) -> HistogramMetricFamily:
        family = HistogramMetricFamily(name, documentation, labels=["eventType"])
        family.add_metric([event_type], buckets=self.buckets(), sum_value=self.total)
        return family


class PrometheusMetrics(Collector):
    """ports.Metrics, registered as a collector on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._lock = threading.Lock()
        self._counters = {name: dict.fromkeys(kinds, 0.0) for name, kinds in COUNTER_TYPES.items()}
        self._records: dict[tuple[str, ...], float] = {
            (event_type, outcome): 0.0 for event_type in (*EVENT_TYPES, OTHER_EVENT_TYPE) for outcome in RECORD_OUTCOMES
        }
        self._tiers = dict.fromkeys(RETRY_TIERS, 0.0)
        self._sent_to_dlq = dict.fromkeys((*EVENT_TYPES, OTHER_EVENT_TYPE), 0.0)
        self._retries = Histogram(RETRY_BUCKETS)
        self._days = Histogram(DAY_BUCKETS)
        registry.register(self)

    def movement(self, kind: str) -> None:
        self._increment(MOVEMENT, kind)

    def sentence_date_change(self, kind: str) -> None:
        self._increment(SENTENCE_DATE_CHANGE, kind)

    def status_change(self, kind: str) -> None:
        self._increment(STATUS_CHANGE, kind)

    def unreadable_record(self, kind: str) -> None:
        self._increment(UNREADABLE_RECORD, kind)

    def status_change_succeeded(self, retries: int, days: float) -> None:
        with self._lock:
            self._retries.observe(retries)
            self._days.observe(days)

    def duplicate_message(self, event_type: str) -> None:
        self._increment(DUPLICATE_MESSAGE, event_type)

    def record_processed(self, event_type: str, outcome: str) -> None:
        with self._lock:
            key = (_event_type_label(event_type), outcome)
            self._records[key] = self._records.get(key, 0.0) + 1

    def record_retried(self, tier: str) -> None:
        with self._lock:
            self._tiers[tier] = self._tiers.get(tier, 0.0) + 1

    def sent_to_dlq(self, event_type: str) -> None:
        with self._lock:
            key = _event_type_label(event_type)
            self._sent_to_dlq[key] = self._sent_to_dlq.get(key, 0.0) + 1

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            for name, by_kind in self._counters.items():
                yield _labelled(name, COUNTER_HELP[name], ("type",), _keyed(by_kind))
            yield _labelled(RECORDS, "Stored records processed, by event type and saved outcome (done, retry, "
                            "error: a system failure)", ("eventType", "outcome"), self._records)
            yield _labelled(RETRIES, "Records tried again, by the retry tier of their retry count",
                            ("tier",), _keyed(self._tiers))
            yield _labelled(SENT_TO_DLQ, "Messages let go to the dead letter queue, by event type", ("eventType",),
                            _keyed(self._sent_to_dlq))
            yield _labelled(STATUS_CHANGE_COUNTER, COUNTER_HELP[STATUS_CHANGE], ("type",),
                            _keyed(self._counters[STATUS_CHANGE]))
            yield self._retries.family(STATUS_CHANGE_RETRIES, "Retries before a status change succeeded",
                                       RETRIES_EVENT_TYPE)
            yield self._days.family(STATUS_CHANGE, "Days before a status change succeeded (whole days plus one)",
                                    DAYS_EVENT_TYPE)

    def _increment(self, name: str, kind: str) -> None:
        with self._lock:
            self._counters[name][kind] = self._counters[name].get(kind, 0.0) + 1


def _keyed(by_value: Mapping[str, float]) -> dict[tuple[str, ...], float]:
    return {(label,): value for label, value in by_value.items()}


def _labelled(
    name: str, documentation: str, labels: Sequence[str], values: Mapping[tuple[str, ...], float]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=list(labels))
    for label_values, value in values.items():
        family.add_metric(list(label_values), value)
    return family


def _event_type_label(event_type: str) -> str:
    return event_type if event_type in EVENT_TYPES else OTHER_EVENT_TYPE


def _satisfies_port(adapter: PrometheusMetrics) -> ports.Metrics:
    return adapter  # mypy proves PrometheusMetrics implements the port
