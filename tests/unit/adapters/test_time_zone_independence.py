"""Whatever TZ the container has, the service behaves the same.

The clock-change scenarios (and the real clock's stored form), the report queries and the CSV are run
again in a fresh interpreter per TZ value (a process's local zone is fixed when it starts).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MODULES = [
    "tests/unit/adapters/test_clock_changes.py",
    "tests/unit/core/test_reports.py",
    "tests/unit/runtime/test_csv_report.py",
]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Europe/London"])
def test_the_clock_change_and_report_tests_pass_whatever_tz(zone: str) -> None:
    answer = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "pytest_timeout", *MODULES],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        # These modules need no plugin but pytest-timeout (for pyproject's `timeout`): not importing the other
        # installed ones (schemathesis, xdist, hypothesis's) takes about a second off each run.
        env={**os.environ, "TZ": zone, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert answer.returncode == 0, answer.stdout[-3000:]
    assert " passed" in answer.stdout and "failed" not in answer.stdout
