"""The PRISONTOPROBATION_SYNC_* switches reach the core as `Capabilities`, and docs/side-by-side.md's
"final form" block is the existing service's last configuration (matching and merges only)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from required_settings import REQUIRED

from ptpu_core.errors import ConfigError
from ptpu_core.rules.capabilities import Capabilities, Capability
from ptpu_runtime.config import CAPABILITY_SETTINGS, Settings, load_settings
from ptpu_runtime.config_kinds import specs
from ptpu_runtime.environment import mode_line

SIDE_BY_SIDE = (Path(__file__).resolve().parents[3] / "docs" / "side-by-side.md").read_text(encoding="utf-8")
SWITCHES = CAPABILITY_SETTINGS


def capabilities(**env: str) -> Capabilities:
    return load_settings({**REQUIRED, **env}).domain().capabilities


def test_every_capability_is_on_by_default() -> None:
    assert capabilities() == Capabilities(matching=True, location=True, key_dates=True, merges=True)


@pytest.mark.parametrize(("variable", "capability"), SWITCHES.items())
def test_each_variable_switches_off_its_own_capability_only(variable: str, capability: Capability) -> None:
    assert capabilities(**{variable: "false"}) == Capabilities.without(capability)
    assert capabilities(**{variable: "true"}) == Capabilities()


def test_a_value_that_is_not_a_flag_stops_start_up_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        capabilities(PRISONTOPROBATION_SYNC_KEYDATES="nope")
    assert "PRISONTOPROBATION_SYNC_KEYDATES" in str(raised.value)


# An empty switch (PRISONTOPROBATION_SYNC_LOCATION="") is an error, never silently true.
@pytest.mark.parametrize(
    "variable", [*SWITCHES, "PRISONTOPROBATION_DRY_RUN", "PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED"]
)
@pytest.mark.parametrize(("blank", "said"), [("", "set but empty"), (" ", "set to only whitespace")])
def test_a_switch_set_but_empty_stops_start_up_naming_it(variable: str, blank: str, said: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**REQUIRED, variable: blank})
    assert str(raised.value).endswith(f"{variable}: {said} (write true or false)")


@pytest.mark.parametrize(("text", "value"), [("TRUE", True), ("on", True), ("1", True), ("Off", False), ("no", False)])
def test_the_other_spellings_spring_accepts_are_read_as_spring_reads_them(text: str, value: bool) -> None:
    assert capabilities(PRISONTOPROBATION_SYNC_MERGES=text).merges is value


def test_the_documented_final_form_block_leaves_matching_and_merges_on() -> None:
    block = SIDE_BY_SIDE.split("# The existing service's final form", 1)[1].split("```", 1)[0]
    env: dict[str, str] = {}
    for line in block.splitlines():
        if line.startswith("export "):
            env |= dict(word.split("=", 1) for word in shlex.split(line.removeprefix("export ")))
    assert set(env) == set(SWITCHES)
    assert capabilities(**env) == Capabilities.without(Capability.LOCATION, Capability.KEY_DATES)


def test_start_up_says_which_capabilities_are_switched_off_by_their_variables() -> None:
    assert "switched off" not in mode_line(load_settings(REQUIRED))
    final_form = {"PRISONTOPROBATION_SYNC_LOCATION": "false", "PRISONTOPROBATION_SYNC_KEYDATES": "false"}
    assert (
        "switched off, left to other services: PRISONTOPROBATION_SYNC_LOCATION=false, "
        "PRISONTOPROBATION_SYNC_KEYDATES=false;"
    ) in mode_line(load_settings({**REQUIRED, **final_form}))


def test_every_capability_has_exactly_one_variable_and_each_is_a_setting() -> None:
    assert sorted(CAPABILITY_SETTINGS.values()) == sorted(Capability)
    variables = {spec.names[0] for _, spec, _ in specs(Settings)}
    assert set(CAPABILITY_SETTINGS) <= variables
