"""Prometheus metrics under the existing names, so the existing Grafana dashboard keeps working.

The dashboard queries both a counter `ptpu_statusChange_total{type}` and a histogram
`ptpu_statusChange` (`_bucket`, `_count`, `_sum`). prometheus_client's Counter and Histogram
would both claim the name `ptpu_statusChange` and refuse to share a registry, so one custom
collector owns every ptpu series and yields metric families itself. Serve it in the classic
text format (`generate_latest`), where the counter's family is `ptpu_statusChange_total`; the
OpenMetrics format would name both families `ptpu_statusChange`.

As the existing service's MetricsService (micrometer, May 2021 on): the status-change counter is
also exposed as `ptpu_statusChangeCounter_total{type}`, the name its Grafana dashboard switched to,
beside `ptpu_statusChange_total{type}`; the histograms carry the micrometer tag `eventType`
(`successAfterTimeDays` for the days histogram, `successAfterRetries` for the retries one).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator, Sequence

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
UNREADABLE_RECORD = "ptpu_unreadableRecord"  # ours (issue 10 §4), not on the existing dashboard
DUPLICATE_MESSAGE = "ptpu_duplicateMessage"  # new (issue 13 §3); type = the event type

# Every label value the dashboard plots, pre-set to zero so panels show 0 rather than "no data".
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
RETRY_BUCKETS = (0, 1, 2, 3, 4, 5, 10, 15, 20, 25, 30)
DAY_BUCKETS = (0.5, 1, 2, 3, 5, 7, 14, 21, 28, 35)


class _Histogram:
    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(float(bound) for bound in bounds)
        self.counts = [0] * (len(self.bounds) + 1)  # the last slot is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def family(self, name: str, documentation: str, event_type: str) -> HistogramMetricFamily:
        """The histogram with one series, labelled eventType=`event_type` (micrometer's tag)."""
        cumulative, running = [], 0
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += count
            cumulative.append(("+Inf" if bound == float("inf") else _le(bound), running))
        family = HistogramMetricFamily(name, documentation, labels=["eventType"])
        family.add_metric([event_type], buckets=cumulative, sum_value=self.total)
        return family


def _le(bound: float) -> str:
    return str(int(bound)) + ".0" if bound.is_integer() else str(bound)


class PrometheusMetrics(Collector):
    """Implements ports.Metrics; registers itself as a collector on the given registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._lock = threading.Lock()
        self._counters = {name: dict.fromkeys(kinds, 0.0) for name, kinds in COUNTER_TYPES.items()}
        self._retries = _Histogram(RETRY_BUCKETS)
        self._days = _Histogram(DAY_BUCKETS)
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

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            for name, by_kind in self._counters.items():
                yield _counter(name, COUNTER_HELP[name], by_kind)
            yield _counter(STATUS_CHANGE_COUNTER, COUNTER_HELP[STATUS_CHANGE], self._counters[STATUS_CHANGE])
            yield self._retries.family(
                STATUS_CHANGE_RETRIES, "Retries before a status change succeeded", RETRIES_EVENT_TYPE
            )
            yield self._days.family(
                STATUS_CHANGE, "Days before a status change succeeded (whole days plus one)", DAYS_EVENT_TYPE
            )

    def _increment(self, name: str, kind: str) -> None:
        with self._lock:
            self._counters[name][kind] = self._counters[name].get(kind, 0.0) + 1


def _counter(name: str, documentation: str, by_kind: dict[str, float]) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=["type"])
    for kind, value in by_kind.items():
        family.add_metric([kind], value)
    return family


def _satisfies_port(adapter: PrometheusMetrics) -> ports.Metrics:
    return adapter  # mypy proves PrometheusMetrics implements the port
