"""The domain core is a library another HMPPS service installs on its own.

Builds the distribution's wheel and its base dependencies' wheels (from a copy of the source, so the
clone stays clean; dependencies come from pip's configured registry or cache), installs them OFFLINE
(`--no-index`) into a fresh virtual environment, and runs docs/library.md's example there. If the base
install needed anything beyond attrs and tzdata, the offline install fails. There too: the SNS
envelope of `offender_events` is parsed with the core alone, and the `ptpu` command asks for the
`[service]` extra in one line instead of dying with ModuleNotFoundError.
Slow-ish (about 30 s): marked `slow`, run by `make test` like the rest.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def library_example() -> tuple[str, str]:
    """The python block of docs/library.md's "An example" section and the text block it prints."""
    document = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    section = document.split("## An example", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    output = re.search(r"```text\n(.*?)```", section, re.S)
    assert code and output, "docs/library.md lost its example or its output"
    return code.group(1), output.group(1)


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def core_only_venv(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("core-install")
    source = work / "source"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    wheels = work / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", wheels, source, cwd=work)
    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=work)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", wheels, "ptpu", cwd=work)
    return python


def test_the_base_install_holds_the_core_and_only_attrs_and_tzdata(core_only_venv: Path):
    listed = run(core_only_venv, "-m", "pip", "list", "--format=freeze", cwd=core_only_venv.parent)
    installed = {line.split("==")[0].lower().replace("_", "-") for line in listed.split()}
    # tzdata: the core keeps London time (service_time) on machines without a system zone database.
    assert installed - {"pip", "setuptools", "wheel"} == {"ptpu", "attrs", "tzdata"}
    probe = "import importlib.util as u; print(u.find_spec('boto3') is None, u.find_spec('fastapi') is None)"
    assert run(core_only_venv, "-c", probe, cwd=core_only_venv.parent).split() == ["True", "True"]


def test_the_core_ships_py_typed(core_only_venv: Path):
    where = run(core_only_venv, "-c", "import ptpu_core, pathlib; print(pathlib.Path(ptpu_core.__file__).parent)",
                cwd=core_only_venv.parent).strip()
    assert (Path(where) / "py.typed").is_file()
    assert not where.startswith(str(ROOT))  # the installed copy, not this clone's src


def test_the_library_example_runs_with_only_the_core_installed(core_only_venv: Path, tmp_path: Path):
    code, expected = library_example()
    script = tmp_path / "reuse_core.py"
    script.write_text(code, encoding="utf-8")
    assert run(core_only_venv, script, cwd=tmp_path) == expected


def test_the_sns_envelope_is_parsed_with_only_the_core_installed(core_only_venv: Path):
    """Another consumer of `offender_events` reads the SNS envelope (as an SQS subscription without raw
    delivery receives it) and the NOMIS message inside it with the base install: no boto3."""
    probe = (
        "import json, sys; from ptpu_core import parse_envelope, parse_event\n"
        "inner = json.dumps({'eventType': 'EXTERNAL_MOVEMENT_RECORD-INSERTED', 'bookingId': '1200835',\n"
        "    'movementSeq': 3})\n"
        "body = json.dumps({'Type': 'Notification', 'MessageId': 'm-1', 'Message': inner,\n"
        "    'MessageAttributes': {'eventType': {'Type': 'String', 'Value': 'EXTERNAL_MOVEMENT_RECORD-INSERTED'}}})\n"
        "note = parse_envelope(body)\n"
        "print(note.sns_message_id, parse_event(note.event_type, note.message))\n"
        "print('boto3' in sys.modules)\n"
    )
    printed = run(core_only_venv, "-c", probe, cwd=core_only_venv.parent).splitlines()
    assert printed == ["m-1 ExternalMovementInsertedEvent(booking_id=1200835, movement_seq=3)", "False"]


def test_the_ptpu_command_asks_for_the_service_extra_in_one_line(core_only_venv: Path):
    command = core_only_venv.parent / "ptpu"
    done = subprocess.run([str(command), "serve"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr  # one line, no traceback
    assert "pip install 'ptpu[service]'" in done.stderr
    assert "Traceback" not in done.stderr
