"""Reliability fixtures: a fresh whole stack per test, and the scenario table printed at the end of the run
(scenario, events in, events accounted for, lost, duration)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from attrs import define, field

from reliability.harness import ReliabilityStack


@define
class ScenarioRow:
    scenario: str
    events_in: int
    accounted: int
    lost: int
    seconds: float
    note: str = ""


@define
class ScenarioTable:
    rows: list[ScenarioRow] = field(factory=list)

    def add(self, scenario: str, events_in: int, accounted: int, lost: int, started: float, note: str = "") -> None:
        self.rows.append(ScenarioRow(scenario, events_in, accounted, lost, time.monotonic() - started, note))

    def render(self) -> list[str]:
        lines = ["| scenario | events in | accounted for | lost | duration | note |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {r.scenario} | {r.events_in} | {r.accounted} | {r.lost} | {r.seconds:.1f}s | {r.note} |"
            for r in self.rows
        ]
        return lines


_TABLE = ScenarioTable()


@pytest.fixture
def scenario_table() -> ScenarioTable:
    return _TABLE


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[ReliabilityStack]:
    started = ReliabilityStack(tmp_path).start()
    try:
        yield started
    finally:
        started.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _TABLE.rows:
        terminalreporter.section("reliability scenarios")
        for line in _TABLE.render():
            terminalreporter.write_line(line)
