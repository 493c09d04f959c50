"""`ptpu_queue_messages{queue, queue_name}` (the queue's and its DLQ's) and `ptpu_queue_messages_in_flight`,
sampled in the background at most once per SAMPLE_INTERVAL_SECONDS, never on the scrape. A failed sample is
logged and drops the gauges until one succeeds: a stale depth would look like a quiet queue."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import CollectorRegistry, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ptpu_adapters.sqs.queue_admin import QueueAdmin

log = logging.getLogger(__name__)

QUEUE_MESSAGES = "ptpu_queue_messages"
QUEUE_IN_FLIGHT = "ptpu_queue_messages_in_flight"
SAMPLE_INTERVAL_SECONDS = 30.0


def _in_background(sample: Callable[[], None]) -> None:
    threading.Thread(target=sample, name="queue-depth", daemon=True).start()


class SampledQueueDepth(Collector):
    """Registers itself on `registry`; `monotonic` and `start` are for tests."""

    def __init__(
        self, queues: QueueAdmin, registry: CollectorRegistry, monotonic: Callable[[], float] = time.monotonic,
        start: Callable[[Callable[[], None]], None] = _in_background,
    ) -> None:
        self._queues = queues
        self._monotonic = monotonic
        self._start = start
        self._lock = threading.Lock()
        # The last sample, empty while the last failed: (queue, name, visible) for the queue and its DLQ, and
        # (name, in flight).
        self._visible: list[tuple[str, str, int]] = []
        self._in_flight: list[tuple[str, int]] = []
        self._started_at = -math.inf
        self._sampling = False
        self.registry = registry
        registry.register(self)

    def collect(self) -> Iterator[Metric]:
        self._sample_if_due()
        visible = GaugeMetricFamily(
            QUEUE_MESSAGES, "Visible messages on the event queue and its DLQ (SQS ApproximateNumberOfMessages)",
            labels=["queue", "queue_name"],
        )
        in_flight = GaugeMetricFamily(
            QUEUE_IN_FLIGHT, "Messages received but not yet deleted from the event queue", labels=["queue_name"]
        )
        with self._lock:
            for queue, name, count in self._visible:
                visible.add_metric([queue, name], count)
            for name, count in self._in_flight:
                in_flight.add_metric([name], count)
        yield visible
        yield in_flight

    def sample(self) -> None:
        """Read the depths now (three GetQueueAttributes calls); never raises."""
        try:
            queue, dlq = self._queues.queue_name(), self._queues.dlq_name()
            visible = [("queue", queue, self._queues.message_count(queue))]
            in_flight = [(queue, self._queues.messages_in_flight(queue))]
            if dlq is not None:
                visible.append(("dlq", dlq, self._queues.message_count(dlq)))
        except Exception as error:  # noqa: BLE001 - logged; the gauges are dropped until a sample succeeds
            log.warning("Could not sample the queue depths: %s: %s", type(error).__name__, error)
            visible = []
            in_flight = []
        with self._lock:
            self._visible = visible
            self._in_flight = in_flight
            self._sampling = False

    def _sample_if_due(self) -> None:
        now = self._monotonic()
        with self._lock:
            if self._sampling or now - self._started_at < SAMPLE_INTERVAL_SECONDS:
                return
            self._started_at = now
            self._sampling = True
        self._start(self.sample)
