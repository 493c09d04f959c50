"""docs/sandbox.md's fault-injection commands for the sandbox's simulators, run as written (moved to this
cluster's port): the first makes prison-api answer 503, the second puts it back."""

from __future__ import annotations

import subprocess
from pathlib import Path

import requests

from ptpu_sandbox.ports import StackPorts
from ptpu_sandbox.simulators.cluster import SimulatedHmpps

ROOT = Path(__file__).resolve().parents[3]


def readme_fault_commands() -> list[str]:
    text = (ROOT / "docs" / "sandbox.md").read_text()
    block = text.split("`POST /__sim/faults`", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_readmes_fault_commands_take_prison_api_down_and_back(hmpps: SimulatedHmpps, api) -> None:
    well_known = f"http://127.0.0.1:{StackPorts.well_known().prison}"
    down, back = readme_fault_commands()
    assert well_known in down and well_known in back
    booking = f"{hmpps.prison.url}/api/bookings/1200835?basicInfo=true"
    assert api.get(booking, timeout=5).status_code == 200

    subprocess.run(["bash", "-euo", "pipefail", "-c", down.replace(well_known, hmpps.prison.url)], check=True)
    assert api.get(booking, timeout=5).status_code == 503
    assert requests.get(f"{hmpps.prison.url}/__sim/faults", timeout=5).json()["status"] == 503

    subprocess.run(["bash", "-euo", "pipefail", "-c", back.replace(well_known, hmpps.prison.url)], check=True)
    assert api.get(booking, timeout=5).status_code == 200
