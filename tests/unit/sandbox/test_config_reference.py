"""docs/configuration.md and `ptpu serve --help` come from Settings, the one place settings are defined."""

from pathlib import Path

import attrs

from ptpu_runtime.config import Settings
from ptpu_runtime.config_kinds import SPEC, specs
from ptpu_sandbox.config_reference import markdown

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def test_the_committed_configuration_reference_is_what_the_code_generates():
    # The reference must never drift from config.py. Fix: `make docs`, then commit.
    assert REFERENCE.read_text(encoding="utf-8") == markdown(), "docs/configuration.md is stale: run `make docs`"


def test_every_settings_field_is_declared_with_setting_so_it_is_read_and_documented():
    # A field added the old way (a bare default) would be neither read from the environment nor listed.
    undeclared = [field.name for field in attrs.fields(Settings) if SPEC not in field.metadata]
    assert undeclared == []


def test_every_variable_appears_once_in_the_reference_with_kind_and_meaning():
    text = REFERENCE.read_text(encoding="utf-8")
    names = [name for _, spec, _ in specs(Settings) for name in spec.names]
    assert len(names) == len(set(names))
    for _, spec, _ in specs(Settings):
        row = next(line for line in text.splitlines() if line.startswith(f"| `{spec.names[0]}`"))
        assert spec.meaning in row and spec.kind.unit.replace("|", "\\|") in row
    assert "| `PRISONTOPROBATION_DRY_RUN` | `false` |" in text
    assert "| `PRISONTOPROBATION_HOLD_BACK_DURATION` | `15m` |" in text
    assert "| `SERVER_ADDRESS` | `0.0.0.0` |" in text
