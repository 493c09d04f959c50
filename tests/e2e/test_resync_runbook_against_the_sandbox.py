"""docs/runbook.md's "Re-syncing one prisoner" commands, run as written against the sandbox: the
dry run answers the writes it would make and community-api receives none of them; `"dryRun": false` then
makes exactly those writes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from ptpu_sandbox.ports import StackPorts
from ptpu_sandbox.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]


def readme_resync_commands() -> str:
    section = (ROOT / "docs" / "runbook.md").read_text().split("## Re-syncing one prisoner", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def json_documents(text: str) -> list[Any]:
    """The JSON documents curl printed one after another (no separator between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        document, at = decoder.raw_decode(text, at)
        found.append(document)
    return found


def test_the_readmes_resync_commands_dry_run_then_write(stack: LocalStack) -> None:
    ports = StackPorts.well_known()
    commands = readme_resync_commands()
    assert f"http://127.0.0.1:{ports.auth}/oauth/token" in commands
    assert f"http://localhost:{ports.service}/resync" in commands
    # This stack runs on free ports: the same commands, moved to where it listens.
    commands = commands.replace(f"http://127.0.0.1:{ports.auth}", stack.hmpps.auth_url)
    commands = commands.replace(f"http://localhost:{ports.service}", stack.service_url)

    run = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, run.stdout + run.stderr
    dry, wet = json_documents(run.stdout)
    assert dry["dryRun"] is True and wet["dryRun"] is False
    assert [(r["id"], r["bookingId"], r["result"], r["status"]) for r in (dry["results"][0], wet["results"][0])] == [
        ("A5089DY", 1200835, "DONE", "COMPLETED"), ("A5089DY", 1200835, "DONE", "COMPLETED")
    ]
    would_write = [(w["method"], w["path"], w["body"]) for w in dry["results"][0]["writes"]]
    written = [(r.method, r.path, r.body) for r in stack.hmpps.community.requests_log]
    assert len(would_write) == 4
    assert written == would_write  # only the second call wrote, and it wrote what the first said it would
