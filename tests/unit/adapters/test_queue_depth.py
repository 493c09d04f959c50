"""Queue and DLQ depth gauges, sampled at most once per interval and never on the scraping thread; a failed
sample drops the gauges rather than showing a stale depth."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, generate_latest

from ptpu_adapters.sqs.queue_depth import SampledQueueDepth
from ptpu_runtime.testing import InMemoryQueueAdmin


class Later:
    """Holds each started sample until the test runs it: what a background thread does, in order."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, sample: Callable[[], None]) -> None:
        self.pending.append(sample)

    def run(self) -> None:
        while self.pending:
            self.pending.pop(0)()


class CountingQueues(InMemoryQueueAdmin):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.failing = False

    def message_count(self, queue_name: str) -> int:
        self.reads += 1
        if self.failing:
            raise ConnectionError("no answer")
        return super().message_count(queue_name)


def test_scrapes_read_the_last_sample_and_start_one_per_interval() -> None:
    queues, later, now = CountingQueues(), Later(), [0.0]
    registry = CollectorRegistry()
    SampledQueueDepth(queues, registry, monotonic=lambda: now[0], start=later)
    queues.queues[str(queues.dlq_name())] += [("id-1", "body"), ("id-2", "body")]

    first = generate_latest(registry).decode()
    assert "ptpu_queue_messages{" not in first  # nothing sampled yet; the scrape did not wait for SQS
    later.run()
    text = generate_latest(registry).decode()
    assert f'ptpu_queue_messages{{queue="dlq",queue_name="{queues.dlq_name()}"}} 2.0' in text
    assert f'ptpu_queue_messages{{queue="queue",queue_name="{queues.queue_name()}"}} 0.0' in text
    assert f'ptpu_queue_messages_in_flight{{queue_name="{queues.queue_name()}"}} 0.0' in text

    reads = queues.reads
    for second in (1.0, 10.0, 29.9):
        now[0] = second
        generate_latest(registry)
    assert later.pending == [] and queues.reads == reads  # within the interval: no new sample
    now[0] = 30.0
    generate_latest(registry)
    generate_latest(registry)
    assert len(later.pending) == 1  # one sample at a time


def test_a_failed_sample_drops_the_gauges_until_one_succeeds() -> None:
    queues, later, now = CountingQueues(), Later(), [0.0]
    registry = CollectorRegistry()
    SampledQueueDepth(queues, registry, monotonic=lambda: now[0], start=later)
    generate_latest(registry)
    later.run()
    queues.failing = True
    now[0] = 30.0
    generate_latest(registry)
    later.run()

    assert "ptpu_queue_messages{" not in generate_latest(registry).decode()
    queues.failing = False
    now[0] = 60.0
    generate_latest(registry)
    later.run()
    assert 'ptpu_queue_messages{queue="dlq"' in generate_latest(registry).decode()
