"""Prometheus metrics under the existing service's Micrometer names, for its Grafana dashboard. One collector
owns every series: the dashboard reads a counter `ptpu_statusChange_total{type}` and a histogram `ptpu_statusChange`
(classic text format), which prometheus_client's Counter and Histogram would not share a registry under. Every
series starts at zero (increase() cannot see a series' first count)."""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Iterator, Mapping, Sequence

from prometheus_client.core import CollectorRegistry, CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ptpu_core.models.events import EventType
from ptpu_core.use_cases.receive import Reception

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
# Ours, not in the existing service.
RECORDS = "ptpu_records"
RETRIES = "ptpu_retries"
SENT_TO_DLQ = "ptpu_messages_sent_to_dlq"
EVENTS_RECEIVED = "ptpu_events_received"
RECEPTIONS = tuple(reception.value for reception in Reception)
OTHER_EVENT_TYPE = "other"  # an event type we do not handle, kept out of the labels' values
EVENT_TYPES = tuple(event_type.value for event_type in EventType)
RETRY_BUCKETS = (0, 1, 2, 3, 4, 5, 10, 15, 20, 25, 30)
DAY_BUCKETS = (0.5, 1, 2, 3, 5, 7, 14, 21, 28, 35)
_LABELLED_TYPES = (*EVENT_TYPES, OTHER_EVENT_TYPE)
# Each counter: its help, its labels and every series' label values (each pre-set to zero).
COUNTERS: dict[str, tuple[str, tuple[str, ...], list[tuple[str, ...]]]] = {
    MOVEMENT: ("External movements processed, by outcome", ("type",), [("total",), ("success",), ("fail",)]),
    SENTENCE_DATE_CHANGE: ("Sentence date changes processed, by outcome", ("type",),
                           [("total",), ("success",), ("fail_no_offender",), ("fail_no_conviction",)]),
    STATUS_CHANGE: ("Imprisonment status changes processed, by outcome", ("type",),
                    [("total",), ("success",), ("fail",)]),
    UNREADABLE_RECORD: ("Stored records skipped (item) or settled (message) because they could not be read",
                        ("type",), [("item",), ("message",)]),
    DUPLICATE_MESSAGE: ("Copies of an already stored event, acknowledged and not stored again, by event type",
                        ("type",), [(event_type,) for event_type in EVENT_TYPES]),
    RECORDS: ("Stored records processed, by event type and saved outcome (done, retry, error: a system failure)",
              ("eventType", "outcome"),
              [(event_type, outcome) for event_type in _LABELLED_TYPES for outcome in ("done", "retry", "error")]),
    # The last tier: retrySystemFailures' probes.
    RETRIES: ("Records tried again, by the retry tier of their retry count", ("tier",),
              [("SHORT",), ("MEDIUM",), ("LONG",), ("SYSTEM_FAILURES",)]),
    SENT_TO_DLQ: ("Messages let go to the dead letter queue, by event type", ("eventType",),
                  [(event_type,) for event_type in _LABELLED_TYPES]),
    EVENTS_RECEIVED: ("Events read off the queue, by event type and what phase 1 did with each (stored or not)",
                      ("eventType", "reception"),
                      [(event_type, reception) for event_type in _LABELLED_TYPES for reception in RECEPTIONS]),
}


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


class PrometheusMetrics(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self._lock = threading.Lock()
        self._counters = {name: dict.fromkeys(series, 0.0) for name, (_, _, series) in COUNTERS.items()}
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

    def event_received(self, event_type: str, reception: str) -> None:
        self._increment(EVENTS_RECEIVED, _event_type_label(event_type), reception)

    def record_processed(self, event_type: str, outcome: str) -> None:
        self._increment(RECORDS, _event_type_label(event_type), outcome)

    def record_retried(self, tier: str) -> None:
        self._increment(RETRIES, tier)

    def sent_to_dlq(self, event_type: str) -> None:
        self._increment(SENT_TO_DLQ, _event_type_label(event_type))

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            for name, series in self._counters.items():
                documentation, labels, _ = COUNTERS[name]
                yield counter_family(name, documentation, labels, series)
            yield counter_family(STATUS_CHANGE_COUNTER, COUNTERS[STATUS_CHANGE][0], ("type",),
                                 self._counters[STATUS_CHANGE])
            yield histogram_family(STATUS_CHANGE_RETRIES, "Retries before a status change succeeded", ("eventType",),
                                   {(RETRIES_EVENT_TYPE,): self._retries})
            yield histogram_family(STATUS_CHANGE, "Days before a status change succeeded (whole days plus one)",
                                   ("eventType",), {(DAYS_EVENT_TYPE,): self._days})

    def _increment(self, name: str, *labels: str) -> None:
        with self._lock:
            self._counters[name][labels] = self._counters[name].get(labels, 0.0) + 1


def counter_family(
    name: str, documentation: str, labels: Sequence[str], values: Mapping[tuple[str, ...], float]
) -> CounterMetricFamily:
    """A counter with a series per label values' tuple in `values`."""
    family = CounterMetricFamily(name, documentation, labels=list(labels))
    for label_values, value in values.items():
        family.add_metric(list(label_values), value)
    return family


def histogram_family(
    name: str, documentation: str, labels: Sequence[str], series: Mapping[tuple[str, ...], Histogram]
) -> HistogramMetricFamily:
    """A histogram with a series per label values' tuple in `series`."""
    family = HistogramMetricFamily(name, documentation, labels=list(labels))
    for label_values, histogram in series.items():
        family.add_metric(list(label_values), buckets=histogram.buckets(), sum_value=histogram.total)
    return family


def _event_type_label(event_type: str) -> str:
    return event_type if event_type in EVENT_TYPES else OTHER_EVENT_TYPE
