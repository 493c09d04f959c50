"""`ptpu sandbox --demo`: publish every scenario's events, wait for the service to settle them, and
show per event the outcome state and what changed in the simulated Delius."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence

from attrs import frozen

from ptpu_core.models.record import Message, state_text
from ptpu_sandbox.delius_changes import by_crn, describe_changes
from ptpu_sandbox.publishing import Published, publish_scenarios
from ptpu_sandbox.simulators.seed import IGNORED, Scenario
from ptpu_sandbox.stack import LocalStack
from ptpu_sandbox.switched_expectations import capabilities_in, expected_state

PENDING = "PENDING"  # still waiting when time ran out
CHANGE_COLUMN_WIDTH = 60


@frozen
class EventResult:
    published: Published
    expected: str
    outcome: str
    delius_changes: tuple[str, ...]

    @property
    def as_expected(self) -> bool:
        return self.outcome == self.expected


def run_demo(
    stack: LocalStack,
    scenarios: Sequence[Scenario],
    timeout: float = 60.0,
    progress: Callable[[str], None] = print,
) -> list[EventResult]:
    """Publish, wait until every event has its final state (or `timeout`), and compare with the seed."""
    before = by_crn(stack.hmpps.delius.snapshot())
    published = publish_scenarios(stack.aws.sns, stack.topic_arn, scenarios)
    progress(f"Published {len(published)} events for {len(scenarios)} scenarios; waiting for the outcomes ...")
    outcomes = wait_for_outcomes(stack, published, timeout)
    after = by_crn(stack.hmpps.delius.snapshot())
    by_name = {scenario.name: scenario for scenario in scenarios}
    capabilities = capabilities_in(stack.service_env())  # the PRISONTOPROBATION_SYNC_* switches
    return [
        EventResult(
            event,
            expected_state(by_name[event.scenario], capabilities),
            outcome,
            tuple(describe_changes(before, after, by_name[event.scenario].crns)),
        )
        for event, outcome in zip(published, outcomes, strict=True)
    ]


def wait_for_outcomes(stack: LocalStack, published: Sequence[Published], timeout: float) -> list[str]:
    """Per published event: the stored record's final state, IGNORED (never stored), or PENDING."""
    deadline = time.monotonic() + timeout
    while True:
        drained = stack.queue_depth() == 0  # every SNS message received, and stored or dropped
        outcomes = [outcome_of(event, stack.records(), drained) for event in published]
        if PENDING not in outcomes or time.monotonic() >= deadline:
            return outcomes
        time.sleep(0.25)


def outcome_of(event: Published, records: Iterable[Message], queue_drained: bool) -> str:
    record = next((r for r in records if _same_event(r, event)), None)
    if record is None:
        return IGNORED if queue_drained else PENDING
    settled = record.processed_date is not None or record.retry_count > 0
    return state_text(record.status) if settled and record.status is not None else PENDING


def _same_event(record: Message, event: Published) -> bool:
    try:
        return bool(record.event_type == event.event_type and json.loads(record.message) == event.message)
    except ValueError:
        return False


def render_table(results: Sequence[EventResult]) -> str:
    headers = ("", "scenario", "event", "booking", "outcome", "what changed in Delius")
    rows = [
        (
            "ok" if r.as_expected else "FAIL",
            r.published.scenario,
            r.published.event_type,
            str(r.published.booking_id),
            r.outcome if r.as_expected else f"{r.outcome} (expected {r.expected})",
            "; ".join(r.delius_changes) or "none",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers) - 1)]
    lines = [_line(headers, widths), _line(tuple("-" * w for w in widths) + ("-" * 22,), widths)]
    for row in rows:
        wrapped = textwrap.wrap(row[-1], CHANGE_COLUMN_WIDTH) or [""]
        lines.append(_line((*row[:-1], wrapped[0]), widths))
        lines.extend(_line(("",) * len(widths) + (more,), widths) for more in wrapped[1:])
    return "\n".join(lines)


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
    return "  ".join([*padded, cells[-1]]).rstrip()


def summary(results: Sequence[EventResult]) -> str:
    failed = [r for r in results if not r.as_expected]
    if not failed:
        return f"All {len(results)} events reached their expected state."
    return f"{len(failed)} of {len(results)} events did not reach their expected state."
