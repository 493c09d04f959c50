"""The make targets a new engineer runs do what the docs say: `make smoke` says why it
skipped, `make bench` leaves tracked files alone unless asked, `make clean` removes everything the build
made. Each runs the real Makefile (`make -o .venv/.installed`: never reinstall from inside a test)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="no `make` on this machine")
GIT = shutil.which("git")


def make(target: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run([MAKE, "-s", "-o", ".venv/.installed", target], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def git(*args: str, cwd: Path) -> str:
    assert GIT is not None
    return subprocess.run([GIT, *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_make_smoke_without_an_instance_says_why_each_test_skipped_and_how_to_point_it() -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SMOKE_")}

    smoke = make("smoke", env=env)

    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    skipped = [line for line in smoke.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped, smoke.stdout
    for line in skipped:
        assert "set SMOKE_BASE_URL, SMOKE_AUTH_URL, SMOKE_CLIENT_ID, SMOKE_CLIENT_SECRET" in line
        assert "docs/sandbox.md" in line


def _run_all():
    spec = importlib.util.spec_from_file_location("run_all", ROOT / "benchmarks" / "run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


@pytest.mark.skipif(GIT is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_make_bench_writes_where_git_ignores_and_the_committed_figures_only_when_asked() -> None:
    run_all = _run_all()
    for full in (False, True):
        default = run_all.results_path(full)
        relative = default.relative_to(ROOT)
        assert git("check-ignore", str(relative), cwd=ROOT).strip() == str(relative)
        assert git("ls-files", str(relative), cwd=ROOT) == ""
    asked = run_all.results_path(False, "benchmarks/RESULTS.md")
    assert asked == Path("benchmarks/RESULTS.md")
    assert git("ls-files", "benchmarks/RESULTS.md", "benchmarks/RESULTS-full.md", cwd=ROOT).split() == [
        "benchmarks/RESULTS-full.md", "benchmarks/RESULTS.md"]


@pytest.mark.skipif(GIT is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_make_clean_leaves_only_what_git_tracks(tmp_path: Path) -> None:
    # A copy of the checkout holding one of each thing the build made here (everything git reports as
    # ignored in this working tree: .venv, caches, egg-info, __pycache__, build/ ...) plus each .gitignore
    # pattern's own example, then `make clean` in it: nothing git ignores may remain.
    copy = tmp_path / "clone"
    for name in git("ls-files", "-co", "--exclude-standard", cwd=ROOT).splitlines():
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    made = [line[3:] for line in git("status", "--ignored", "--porcelain", cwd=ROOT).splitlines()
            if line.startswith("!! ")]
    patterns = [line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    made += [pattern.replace("*", "example") for pattern in patterns]
    made += ["src/ptpu.egg-info/", "tests/unit/__pycache__/"]
    for entry in made:
        path = copy / entry
        if entry.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            (path / "made-by-the-build").write_text("x")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x")
    git("init", "-q", cwd=copy)
    assert git("status", "--ignored", "--porcelain", cwd=copy).count("!! ") >= len(patterns)

    cleaned = make("clean", cwd=copy)

    assert cleaned.returncode == 0, cleaned.stderr
    assert [line for line in git("status", "--ignored", "--porcelain", cwd=copy).splitlines()
            if line.startswith("!! ")] == []
    assert (copy / "Makefile").exists() and (copy / "src" / "ptpu_core" / "__init__.py").exists()


FAKE_PIP = """#!/bin/sh
# Stands in for .venv/bin/python: `-m pip install ...` prints what pip prints, exits $FAKE_PIP_EXIT.
case "$*" in *--upgrade\\ pip*) exit 0 ;; esac
echo "Collecting attrs>=23.2"
echo "  Downloading attrs-25.1.0-py3-none-any.whl (63 kB)"
echo "Collecting fastapi>=0.115"
echo "Requirement already satisfied: idna in ./.venv/lib"
echo "Installing collected packages: attrs, fastapi, ptpu"
echo "Successfully installed attrs-25.1.0 fastapi-0.115.0 ptpu-0.1.0"
exit "${FAKE_PIP_EXIT:-0}"
"""


@pytest.mark.parametrize("pip_exit", [0, 1], ids=["install-ok", "install-fails"])
def test_the_first_install_shows_each_package_and_fails_when_pip_fails(tmp_path: Path, pip_exit: int) -> None:
    # The Makefile's install rule with a stand-in for pip: what a new engineer sees during the first minutes.
    shutil.copy2(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(FAKE_PIP)
    fake.chmod(0o755)
    assert MAKE is not None

    made = subprocess.run([MAKE, "venv", f"PYTHON={sys.executable}"], cwd=tmp_path, capture_output=True, text=True,
                          env=os.environ | {"FAKE_PIP_EXIT": str(pip_exit)}, timeout=60)

    assert "Setting up .venv: installing ptpu and its dependencies" in made.stdout
    shown = [line.strip() for line in made.stdout.splitlines() if line.startswith("  ")]
    assert shown == ["Collecting attrs>=23.2", "Collecting fastapi>=0.115",
                     "Installing collected packages: attrs, fastapi, ptpu",
                     "Successfully installed attrs-25.1.0 fastapi-0.115.0 ptpu-0.1.0"]
    assert (made.returncode == 0) is (pip_exit == 0)
    assert (tmp_path / ".venv" / ".installed").exists() is (pip_exit == 0)
