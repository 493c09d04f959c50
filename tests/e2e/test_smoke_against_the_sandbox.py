"""`make smoke` pointed at the sandbox as docs/sandbox.md shows passes every smoke test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from ptpu_sandbox.ports import StackPorts
from ptpu_sandbox.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]


def readme_smoke_settings() -> dict[str, str]:
    section = (ROOT / "docs" / "sandbox.md").read_text().split("## Smoke-testing the sandbox", 1)[1]
    command = section.split("```sh\n", 1)[1].split("```", 1)[0]
    assert command.rstrip().endswith("make smoke")
    return dict(re.findall(r"(SMOKE_\w+)=(\S+)", command))


def test_the_readmes_smoke_command_passes_against_the_sandbox(stack: LocalStack) -> None:
    settings = readme_smoke_settings()
    ports = StackPorts.well_known()
    assert settings["SMOKE_BASE_URL"] == f"http://localhost:{ports.service}"
    assert settings["SMOKE_AUTH_URL"] == f"http://127.0.0.1:{ports.auth}"
    # This stack runs on free ports: the same settings, moved to where it listens.
    settings |= {"SMOKE_BASE_URL": stack.service_url, "SMOKE_AUTH_URL": stack.hmpps.auth_url}

    smoke = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/smoke"],
        cwd=ROOT, env=os.environ | settings, capture_output=True, text=True, timeout=120,
    )

    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert re.search(r"^4 passed", smoke.stdout, re.MULTILINE), smoke.stdout
