"""PrometheusMetrics exposes exactly the series the existing Grafana dashboard queries (SPEC §10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ptpu_adapters.observability.metrics import PrometheusMetrics

DASHBOARD = Path(__file__).resolve().parents[2] / "fixtures" / "original-2021" / "grafana-dashboard.yaml"


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> PrometheusMetrics:
    return PrometheusMetrics(registry)


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def dashboard_series() -> set[tuple[str, str | None]]:
    """(series name, type label or None) for every ptpu query in the dashboard."""
    queries = re.findall(r"(ptpu_\w+)\{([^}]*)\}", DASHBOARD.read_text())
    found = set()
    for name, selector in queries:
        kind = re.search(r'type=\\?"(\w+)', selector)
        found.add((name, kind.group(1) if kind else None))
    return found


def test_every_dashboard_series_is_exposed_from_the_start(
    registry: CollectorRegistry, metrics: PrometheusMetrics
) -> None:
    exposed = samples(registry)
    wanted = dashboard_series()

    assert len(wanted) >= 12
    for name, kind in wanted:
        matching = [labels for (sample, labels) in exposed if sample == name]
        assert matching, f"{name} missing from the exposition"
        if kind is not None:
            assert (name, (("type", kind),)) in exposed, f"{name}{{type={kind}}} not pre-initialised"
            assert exposed[(name, (("type", kind),))] == 0


def test_counters_count_by_type(registry: CollectorRegistry, metrics: PrometheusMetrics) -> None:
    metrics.movement("total")
    metrics.movement("total")
    metrics.movement("fail")
    metrics.sentence_date_change("fail_no_conviction")
    metrics.status_change("success")

    exposed = samples(registry)

    assert exposed[("ptpu_movement_total", (("type", "total"),))] == 2
    assert exposed[("ptpu_movement_total", (("type", "fail"),))] == 1
    assert exposed[("ptpu_movement_total", (("type", "success"),))] == 0
    assert exposed[("ptpu_sentenceDateChange_total", (("type", "fail_no_conviction"),))] == 1
    assert exposed[("ptpu_statusChange_total", (("type", "success"),))] == 1


def test_success_observes_retries_and_days(registry: CollectorRegistry, metrics: PrometheusMetrics) -> None:
    metrics.status_change_succeeded(retries=3, days=2)
    metrics.status_change_succeeded(retries=12, days=40)

    exposed = samples(registry)

    def retries(le: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        return ("ptpu_statusChange_retries_bucket", (("eventType", "successAfterRetries"), ("le", le)))

    def days(le: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        return ("ptpu_statusChange_bucket", (("eventType", "successAfterTimeDays"), ("le", le)))

    assert exposed[retries("2.0")] == 0
    assert exposed[retries("3.0")] == 1
    assert exposed[retries("15.0")] == 2
    assert exposed[("ptpu_statusChange_retries_count", (("eventType", "successAfterRetries"),))] == 2
    assert exposed[("ptpu_statusChange_retries_sum", (("eventType", "successAfterRetries"),))] == 15
    assert exposed[days("1.0")] == 0
    assert exposed[days("2.0")] == 1
    assert exposed[days("35.0")] == 1
    assert exposed[days("+Inf")] == 2
    assert exposed[("ptpu_statusChange_sum", (("eventType", "successAfterTimeDays"),))] == 42


def test_status_change_counter_is_also_exposed_under_the_may_2021_dashboard_name(
    registry: CollectorRegistry, metrics: PrometheusMetrics
) -> None:
    """ptpu_statusChangeCounter_total{type} beside ptpu_statusChange_total{type}, same counts."""
    metrics.status_change("total")
    metrics.status_change("success")
    metrics.status_change("total")
    metrics.status_change("fail")

    exposed = samples(registry)

    for kind, count in (("total", 2), ("success", 1), ("fail", 1)):
        assert exposed[("ptpu_statusChangeCounter_total", (("type", kind),))] == count
        assert exposed[("ptpu_statusChange_total", (("type", kind),))] == count


def test_bucket_bounds(registry: CollectorRegistry, metrics: PrometheusMetrics) -> None:
    bounds = {
        name: [dict(labels)["le"] for (sample, labels) in samples(registry) if sample == name]
        for name in ("ptpu_statusChange_retries_bucket", "ptpu_statusChange_bucket")
    }
    assert bounds["ptpu_statusChange_retries_bucket"] == [
        "0.0", "1.0", "2.0", "3.0", "4.0", "5.0", "10.0", "15.0", "20.0", "25.0", "30.0", "+Inf"
    ]  # fmt: skip
    assert bounds["ptpu_statusChange_bucket"] == [
        "0.5", "1.0", "2.0", "3.0", "5.0", "7.0", "14.0", "21.0", "28.0", "35.0", "+Inf"
    ]  # fmt: skip


def test_no_created_series_and_each_type_line_once(registry: CollectorRegistry, metrics: PrometheusMetrics) -> None:
    text = generate_latest(registry).decode()
    type_lines = [line for line in text.splitlines() if line.startswith("# TYPE")]

    assert "_created" not in text
    assert len(type_lines) == len(set(type_lines))
    assert {line.split()[2] for line in type_lines} == {
        "ptpu_movement_total", "ptpu_sentenceDateChange_total", "ptpu_statusChange_total",
        "ptpu_statusChangeCounter_total", "ptpu_statusChange", "ptpu_statusChange_retries",
        "ptpu_unreadableRecord_total", "ptpu_duplicateMessage_total",
        "ptpu_records_total", "ptpu_retries_total", "ptpu_messages_sent_to_dlq_total", "ptpu_events_received_total",
    }


def test_unreadable_records_are_counted_by_kind(registry: CollectorRegistry, metrics: PrometheusMetrics) -> None:
    metrics.unreadable_record("item")
    metrics.unreadable_record("item")

    found = samples(registry)
    assert found[("ptpu_unreadableRecord_total", (("type", "item"),))] == 2.0
    assert found[("ptpu_unreadableRecord_total", (("type", "message"),))] == 0.0


def test_lives_beside_other_collectors(registry: CollectorRegistry, metrics: PrometheusMetrics) -> None:
    Counter("http_requests", "other metrics in the same registry", registry=registry).inc()

    assert ("http_requests_total", ()) in samples(registry)


def test_duplicate_messages_are_counted_by_event_type(registry: CollectorRegistry, metrics: PrometheusMetrics) -> None:
    metrics.duplicate_message("SENTENCE_DATES-CHANGED")
    metrics.duplicate_message("SENTENCE_DATES-CHANGED")

    text = generate_latest(registry).decode()
    assert 'ptpu_duplicateMessage_total{type="SENTENCE_DATES-CHANGED"} 2.0' in text
    assert 'ptpu_duplicateMessage_total{type="IMPRISONMENT_STATUS-CHANGED"} 0.0' in text


def test_every_record_outcome_is_counted_by_event_type_from_zero(
    registry: CollectorRegistry, metrics: PrometheusMetrics
) -> None:
    """A system failure (`error`) is counted per event type; every series exists at 0 before its first count,
    since Prometheus' increase() cannot see the first count of a series that appears with it."""
    before = samples(registry)
    for event_type in ("IMPRISONMENT_STATUS-CHANGED", "EXTERNAL_MOVEMENT_RECORD-INSERTED", "SENTENCE_DATES-CHANGED"):
        for outcome in ("done", "retry", "error"):
            key = ("ptpu_records_total", (("eventType", event_type), ("outcome", outcome)))
            assert before[key] == 0

    metrics.record_processed("IMPRISONMENT_STATUS-CHANGED", "error")
    metrics.record_processed("IMPRISONMENT_STATUS-CHANGED", "error")
    metrics.record_processed("NOT-OURS", "done")
    metrics.record_retried("SHORT")

    after = samples(registry)
    assert after[("ptpu_records_total", (("eventType", "IMPRISONMENT_STATUS-CHANGED"), ("outcome", "error")))] == 2
    assert after[("ptpu_records_total", (("eventType", "other"), ("outcome", "done")))] == 1
    assert after[("ptpu_retries_total", (("tier", "SHORT"),))] == 1
    assert after[("ptpu_retries_total", (("tier", "LONG"),))] == 0


def test_messages_sent_to_the_dlq_are_counted_by_event_type(
    registry: CollectorRegistry, metrics: PrometheusMetrics
) -> None:
    metrics.sent_to_dlq("EXTERNAL_MOVEMENT_RECORD-INSERTED")
    metrics.sent_to_dlq("null")  # hmpps-sqs names a message without an event type so

    found = samples(registry)
    assert found[("ptpu_messages_sent_to_dlq_total", (("eventType", "EXTERNAL_MOVEMENT_RECORD-INSERTED"),))] == 1
    assert found[("ptpu_messages_sent_to_dlq_total", (("eventType", "other"),))] == 1
    assert found[("ptpu_messages_sent_to_dlq_total", (("eventType", "BOOKING_NUMBER-CHANGED"),))] == 0


def test_receptions_are_counted_from_zero_with_unhandled_types_as_other(
    registry: CollectorRegistry, metrics: PrometheusMetrics
) -> None:
    text = generate_latest(registry).decode()
    assert 'ptpu_events_received_total{eventType="SENTENCE_DATES-CHANGED",reception="SWITCHED_OFF"} 0.0' in text

    metrics.event_received("SENTENCE_DATES-CHANGED", "STORED")
    metrics.event_received("PRISONER_ACTIVITY-UPDATE", "IGNORED")
    metrics.event_received("ANOTHER-UNHANDLED", "IGNORED")

    text = generate_latest(registry).decode()
    assert 'ptpu_events_received_total{eventType="SENTENCE_DATES-CHANGED",reception="STORED"} 1.0' in text
    assert 'ptpu_events_received_total{eventType="other",reception="IGNORED"} 2.0' in text
    assert "PRISONER_ACTIVITY-UPDATE" not in text
