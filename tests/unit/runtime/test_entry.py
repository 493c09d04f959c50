"""The `ptpu` command on an install without the `[service]` extra: one line saying what to install and
exit 2, never a traceback ending in ModuleNotFoundError. A module of ptpu's own that is missing is a fault
and is raised. (tests/integration/packaging runs the real command on a real base install.)"""

from __future__ import annotations

import sys

import pytest

from ptpu_runtime import entry


def test_without_the_service_dependencies_the_command_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "ptpu_runtime.cli", raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed: importing it fails

    assert entry.main(["serve"]) == 2

    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.splitlines() == [
        "ptpu: the `ptpu` command needs the service's dependencies (uvicorn is not installed): "
        "pip install 'ptpu[service]' (from a clone: pip install -e '.[service]')"
    ]


def test_a_missing_module_of_ptpus_own_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ptpu_runtime.cli", None)

    with pytest.raises(ModuleNotFoundError):
        entry.main(["serve"])


def test_with_the_service_installed_it_runs_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    from ptpu_runtime import cli

    seen: list[object] = []
    monkeypatch.setattr(cli, "main", lambda argv=None: seen.append(argv) or 0)

    assert entry.main(["serve", "--help"]) == 0
    assert seen == [["serve", "--help"]]
