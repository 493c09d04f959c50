"""The repository is self-contained and its docs are true: links resolve, the README stays short and
leads to every document, the documented setting blocks hold the defaults they claim, and no tracked file
cites an issue tracker or review a reader does not have."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from ptpu_runtime.config import Settings
from ptpu_runtime.config_kinds import specs

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCUMENTS = ["README.md", *sorted(str(path.relative_to(ROOT)) for path in (ROOT / "docs").rglob("*.md"))]
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


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file: lower case, punctuation dropped, spaces to -."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_relative_link_resolves_inside_the_repository(document):
    path = ROOT / document
    links = re.findall(r"\]\(([^)#]*)(?:#([^)]*))?\)", path.read_text(encoding="utf-8"))
    local = [(link or document.rsplit("/", 1)[-1], anchor) for link, anchor in links if "://" not in link]
    assert [link for link, _ in local if not (path.parent / link).resolve().is_file()] == []
    broken = [f"{link}#{anchor}" for link, anchor in local
              if anchor and link.endswith(".md") and anchor not in anchors((path.parent / link).resolve())]
    assert broken == []


def test_the_readme_is_short_and_leads_to_every_document():
    assert len(README.splitlines()) < 200
    linked = set(re.findall(r"\]\((docs/[^)#]+)", README))
    assert {document for document in DOCUMENTS if document.count("/") == 1} <= linked  # every docs/*.md
    assert "docs/decisions/README.md" in linked
    assert README.index("make run") < 200 and README.index("make test") < 400  # the two commands lead


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_docs_cite_no_issue_tracker(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    assert re.findall(r"\bissues? \d+", text, re.IGNORECASE) == []


# An issue, a review finding or a trial cited by number or name: labels of a tracker or a review a reader does
# not have. An outside tracker is cited as owner/repo#N (lukas-krecan/ShedLock#606), which passes.
HISTORY = re.compile(r"\bissues?\s+#?\d|\bfindings?\s+\d+\b|\bnewcomer" + r"\s+trial", re.IGNORECASE)


def tracked_files() -> list[Path]:
    """Every file git tracks in this checkout (none outside a git checkout, e.g. an unpacked sdist)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)  # noqa: S607
    except (OSError, subprocess.CalledProcessError):
        return []
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name]


def test_no_tracked_file_cites_an_issue_or_review_by_number():
    files = tracked_files()
    if not files:
        pytest.skip("not a git checkout")
    citing = [f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
              for path in files if path.is_file()
              for number, line in enumerate(path.read_bytes().decode("utf-8", "replace").splitlines(), 1)
              if HISTORY.search(line)]
    assert citing == []


def test_the_history_pattern_tells_a_tracker_label_from_an_outside_reference():
    issue, finding, newcomer = "issue", "Finding", "newcomer"  # apart, so this file does not match itself
    labels = [f"({issue} 11 §4)", f"{issue.title()} 6's benchmarks", f"{issue}s 10 and 11", f"{issue} #7",
              f"{finding} 3: x", f"a {newcomer} trial"]
    assert [text for text in labels if not HISTORY.search(text)] == []
    outside = ["lukas-krecan/ShedLock#606", "agronholm/apscheduler#1021", "NOMIS issues numbers", "SPEC §7"]
    assert [text for text in outside if HISTORY.search(text)] == []


def block_after(document: str, marker: str) -> list[str]:
    """The `export` lines of the shell block in `document`, from `marker` to the block's end."""
    text = (ROOT / document).read_text(encoding="utf-8").split(marker, 1)[1].split("```", 1)[0]
    return [line for line in text.splitlines() if line.startswith("export ")]


def assignments(lines: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in lines:
        for word in shlex.split(line.split(" #")[0].removeprefix("export "), comments=True):
            name, _, value = word.partition("=")
            pairs[name] = value
    return pairs


def test_the_defaults_shown_block_shows_the_defaults():
    shown = assignments(block_after("docs/deploying.md", "# Behaviour (defaults shown)"))
    assert "PRISONTOPROBATION_DRY_RUN" in shown
    by_name = {spec.names[0]: (spec, default) for _, spec, default in specs(Settings)}
    for name, text in shown.items():
        spec, default = by_name[name]
        value = spec.kind.parse(text) if text else frozenset()
        assert value == default, f"{name}={text} is not the default"


def test_a_separate_first_roll_out_block_recommends_dry_run():
    recommended = assignments(block_after("docs/side-by-side.md", "# Recommended first roll-out"))
    assert recommended["PRISONTOPROBATION_DRY_RUN"] == "true"
    assert recommended["PRISONTOPROBATION_HOLD_BACK_DURATION"] == "60m"
