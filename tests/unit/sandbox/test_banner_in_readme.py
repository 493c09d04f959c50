"""The README shows `make run`'s banner as it prints it with the well-known ports (the docs
are true), AWS CLI block included."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from ptpu_adapters.provisioning import AwsResourceNames
from ptpu_sandbox.banner import ServiceMode, banner
from ptpu_sandbox.emulator import LOCALSTACK_ACCOUNT_ID
from ptpu_sandbox.ports import StackPorts

README = Path(__file__).resolve().parents[3] / "README.md"


def well_known_stack() -> SimpleNamespace:
    """What `banner` reads from a LocalStack started by plain `make run` (StackPorts.well_known())."""
    ports = StackPorts.well_known()
    local = "http://127.0.0.1"
    emulator = f"{local}:{ports.emulator}"
    return SimpleNamespace(
        service_url=f"{local}:{ports.service}",
        emulator_url=emulator,
        emulator=SimpleNamespace(region="eu-west-2", account_id=LOCALSTACK_ACCOUNT_ID),
        names=AwsResourceNames(),
        topic_arn=f"arn:aws:sns:eu-west-2:{LOCALSTACK_ACCOUNT_ID}:offender_events",
        resources=SimpleNamespace(queue_url=f"{emulator}/{LOCALSTACK_ACCOUNT_ID}/prison_to_probation_queue"),
        hmpps=SimpleNamespace(auth_url=f"{local}:{ports.auth}", prison_url=f"{local}:{ports.prison}",
                              search_url=f"{local}:{ports.search}", community_url=f"{local}:{ports.community}"),
    )


def test_the_readme_shows_the_banner_make_run_prints() -> None:
    live = ServiceMode("LIVE: writes to (simulated) Delius", processing=True)
    printed = banner(well_known_stack(), "3s", live).strip("\n")  # type: ignore[arg-type]
    blocks = re.findall(r"```text\n(ptpu sandbox is up\..*?)\n```", README.read_text(), re.DOTALL)

    assert blocks == [printed]


def test_the_banner_names_each_default_the_shell_overrode() -> None:
    printed = banner(  # type: ignore[arg-type]
        well_known_stack(), "3s", ServiceMode("LIVE", processing=True),
        ["A=1 (sandbox default 2)", "B=x (sandbox default y)"])

    assert "  mode             LIVE\n  from your shell  A=1 (sandbox default 2)\n" \
           "  from your shell  B=x (sandbox default y)\n  service          http://localhost:8080\n" in printed
