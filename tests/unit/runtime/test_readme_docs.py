"""Issue 14 §6: the repository is self-contained and its docs are true."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ptpu_runtime.config import Settings
from ptpu_runtime.config_kinds import specs

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEXT_SUFFIXES = {".md", ".py", ".yml", ".yaml", ".toml"}
OUTSIDE = re.compile(r"\.\./" + "shared|/work/" + "shared")  # split so this file does not match itself


def shipped_text_files() -> list[Path]:
    found = [ROOT / name for name in ("README.md", "Makefile", "Dockerfile", "pyproject.toml", "docker-compose.yml")]
    for folder in ("docs", "src", "tests", "benchmarks"):
        found += [path for path in (ROOT / folder).rglob("*") if path.suffix in TEXT_SUFFIXES]
    return [path for path in found if path.is_file() and "original-2021" not in path.parts]


def test_nothing_points_outside_the_clone():
    pointing = [str(path.relative_to(ROOT)) for path in shipped_text_files()
                if OUTSIDE.search(path.read_text(encoding="utf-8", errors="replace"))]
    assert pointing == []


@pytest.mark.parametrize("document", ["README.md", "docs/behaviour.md", "docs/configuration.md"])
def test_every_relative_link_resolves_inside_the_repository(document):
    path = ROOT / document
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8"))
    local = [link for link in links if "://" not in link]
    assert [link for link in local if not (path.parent / link).resolve().is_file()] == []
    if document == "README.md":
        assert {"docs/behaviour.md", "docs/configuration.md"} <= set(local)


def block_after(marker: str) -> list[str]:
    """The `export` lines of the shell block, from `marker` to the block's end."""
    text = README.split(marker, 1)[1].split("```", 1)[0]
    return [line for line in text.splitlines() if line.startswith("export ")]


def assignments(lines: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in lines:
        for word in shlex.split(line.split(" #")[0].removeprefix("export "), comments=True):
            name, _, value = word.partition("=")
            pairs[name] = value
    return pairs


def test_the_defaults_shown_block_shows_the_defaults():
    # Before: PRISONTOPROBATION_DRY_RUN=true under "defaults shown" while the default is false.
    shown = assignments(block_after("# Behaviour (defaults shown)"))
    assert "PRISONTOPROBATION_DRY_RUN" in shown
    by_name = {spec.names[0]: (spec, default) for _, spec, default in specs(Settings)}
    for name, text in shown.items():
        spec, default = by_name[name]
        value = spec.kind.parse(text) if text else frozenset()
        assert value == default, f"{name}={text} is not the default"


def test_a_separate_first_roll_out_block_recommends_dry_run():
    recommended = assignments(block_after("# Recommended first roll-out"))
    assert recommended["PRISONTOPROBATION_DRY_RUN"] == "true"
    assert recommended["PRISONTOPROBATION_HOLD_BACK_DURATION"] == "60m"
