"""`make run`'s settings for `ptpu serve`: the sandbox's are defaults, the shell's win, a flag wins over both."""

from __future__ import annotations

from ptpu_sandbox.commands import SANDBOX_DEFAULTS, service_settings

HOLD_BACK, ONLY_PRISONS = "PRISONTOPROBATION_HOLD_BACK_DURATION", "PRISONTOPROBATION_ONLY_PRISONS"


def test_with_nothing_in_the_shell_the_sandbox_defaults_apply_and_none_is_reported() -> None:
    assert service_settings({"PRISONTOPROBATION_DRY_RUN": "true"}) == (SANDBOX_DEFAULTS, [])
    assert SANDBOX_DEFAULTS == {HOLD_BACK: "3s", "PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY": "500ms",
                                ONLY_PRISONS: "", "SHUTDOWN_TIMEOUT": "10s"}


def test_the_shells_values_win_unchecked_here_and_each_is_reported() -> None:
    chosen, from_shell = service_settings({HOLD_BACK: "31d", ONLY_PRISONS: "XYZ"})

    assert chosen == {**SANDBOX_DEFAULTS, HOLD_BACK: "31d", ONLY_PRISONS: "XYZ"}  # `ptpu serve` checks them
    assert from_shell == [f"{HOLD_BACK}=31d (sandbox default 3s)",
                          f"{ONLY_PRISONS}=XYZ (sandbox default empty: every prison)"]


def test_an_empty_or_equal_shell_value_is_the_default_and_not_reported() -> None:
    assert service_settings({HOLD_BACK: "", ONLY_PRISONS: "", "SHUTDOWN_TIMEOUT": "10s"}) == (SANDBOX_DEFAULTS, [])


def test_a_flag_wins_over_the_shell() -> None:
    chosen, from_shell = service_settings({HOLD_BACK: "31d"}, hold_back="10s", processor_delay_ms=200)

    assert chosen == {**SANDBOX_DEFAULTS, HOLD_BACK: "10s", "PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY": "200ms"}
    assert from_shell == []

