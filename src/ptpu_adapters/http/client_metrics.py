"""Upstream calls as metrics: Micrometer's `http_client_requests_seconds`, plus calls by API and outcome.

`http_client_requests_seconds{clientName, method, outcome, status, uri}` is the histogram the Spring Boot
service exposed for every WebClient exchange (spring-boot-actuator WebClientExchangeTags /
micrometer `http.client.requests`): `clientName` the host, `uri` the URI template, `status` the HTTP status
or IO_ERROR / CLIENT_ERROR when there was no answer, `outcome` the status class (INFORMATIONAL, SUCCESS,
REDIRECTION, CLIENT_ERROR, SERVER_ERROR; UNKNOWN without an answer). One observation per exchange: a retry
is another one. Buckets as Micrometer's `percentiles-histogram` would publish them, in seconds.

`ptpu_upstream_calls_total{api, outcome}` (ours) counts calls as callers see them, after the client's own
retries: `success` (2xx or a named business status) or `failure` (UpstreamFailure). Every API named at
construction starts at zero for both outcomes, so increase() sees an outage's first failures.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator

from prometheus_client.core import CollectorRegistry, CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ptpu_adapters.http.call_observer import CallObserver, Exchange

HTTP_CLIENT_REQUESTS = "http_client_requests_seconds"
UPSTREAM_CALLS = "ptpu_upstream_calls"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LABELS = ("clientName", "method", "outcome", "status", "uri")


def outcome_of(status: int | None) -> str:
    """Micrometer's `outcome` tag (spring-boot Outcome.forStatus): the status class, UNKNOWN without one."""
    if status is None:
        return "UNKNOWN"
    classes = {1: "INFORMATIONAL", 2: "SUCCESS", 3: "REDIRECTION", 4: "CLIENT_ERROR", 5: "SERVER_ERROR"}
    return classes.get(status // 100, "UNKNOWN")


class _Series:
    def __init__(self) -> None:
        self.counts = [0] * (len(LATENCY_BUCKETS) + 1)  # the last slot is +Inf
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.total += seconds

    def buckets(self) -> list[tuple[str, float]]:
        cumulative, running = [], 0
        for bound, count in zip((*LATENCY_BUCKETS, float("inf")), self.counts, strict=True):
            running += count
            cumulative.append(("+Inf" if bound == float("inf") else str(bound), float(running)))
        return cumulative


class HttpClientMetrics(Collector):
    """A CallObserver that registers itself on `registry`; `apis` are the upstreams' service names."""

    def __init__(self, registry: CollectorRegistry, apis: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._exchanges: dict[tuple[str, ...], _Series] = {}
        self._calls = {(api, outcome): 0.0 for api in apis for outcome in ("success", "failure")}
        registry.register(self)

    def exchanged(self, exchange: Exchange) -> None:
        status = str(exchange.status) if exchange.status is not None else (exchange.error or "CLIENT_ERROR")
        key = (exchange.host, exchange.method, outcome_of(exchange.status), status, exchange.uri)
        with self._lock:
            self._exchanges.setdefault(key, _Series()).observe(exchange.seconds)

    def call_finished(self, service: str, failure: str | None) -> None:
        key = (service, "success" if failure is None else "failure")
        with self._lock:
            self._calls[key] = self._calls.get(key, 0.0) + 1

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            requests = HistogramMetricFamily(
                HTTP_CLIENT_REQUESTS, "Requests to the upstream APIs (Micrometer http.client.requests)",
                labels=list(LABELS),
            )
            for key, series in self._exchanges.items():
                requests.add_metric(list(key), buckets=series.buckets(), sum_value=series.total)
            calls = CounterMetricFamily(
                UPSTREAM_CALLS, "Upstream calls after the client's retries, by API and outcome",
                labels=["api", "outcome"],
            )
            for (api, outcome), value in self._calls.items():
                calls.add_metric([api, outcome], value)
        yield requests
        yield calls


def _satisfies_protocol(metrics: HttpClientMetrics) -> CallObserver:
    return metrics  # mypy proves HttpClientMetrics is a CallObserver
