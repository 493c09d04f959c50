"""The start-up warning for a booking lease too short for one upstream call (configuration.md: it "must exceed
twice the longest upstream call")."""

from __future__ import annotations

import pytest
from required_settings import REQUIRED

from ptpu_runtime.config import load_settings
from ptpu_runtime.environment import lease_warning


@pytest.mark.parametrize(("variables", "longest"), [
    ({"PRISONTOPROBATION_BOOKING_LEASE": "1s", "HTTP_READ_TIMEOUT": "1h"}, "10806.6s"),
    ({"PRISONTOPROBATION_BOOKING_LEASE": "73s"}, "36.6s"),  # 3 x (2 s + 10 s) + 0.2 s + 0.4 s of back-off
    ({"PRISONTOPROBATION_BOOKING_LEASE": "2m", "HTTP_CONNECT_TIMEOUT": "10s", "HTTP_READ_TIMEOUT": "10s"}, "60.6s"),
])
def test_a_lease_not_over_twice_the_longest_call_is_warned_of(variables: dict[str, str], longest: str) -> None:
    warning = lease_warning(load_settings({**REQUIRED, **variables}))
    assert warning is not None
    assert warning.startswith(f"PRISONTOPROBATION_BOOKING_LEASE ({variables['PRISONTOPROBATION_BOOKING_LEASE']})")
    assert f"longest upstream call ({longest}:" in warning


@pytest.mark.parametrize("lease", ["", "74s", "10m"])  # "": the default, 10 minutes
def test_a_lease_over_twice_the_longest_call_is_not(lease: str) -> None:
    assert lease_warning(load_settings({**REQUIRED, "PRISONTOPROBATION_BOOKING_LEASE": lease})) is None
