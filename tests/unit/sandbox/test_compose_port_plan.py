"""docker-compose.yml publishes each system on the sandbox's port plan, and docs/sandbox.md's table names the
same images and ports, so one set of URLs serves both ways of running locally."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ptpu_sandbox.ports import StackPorts

ROOT = Path(__file__).resolve().parents[3]
# compose service -> the StackPorts field for the same system
SYSTEMS = {"prison-to-probation-update": "service", "localstack": "emulator", "hmpps-auth": "auth",
           "prison-api": "prison", "probation-offender-search": "search", "community-api": "community"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_publishes_every_system_on_the_sandbox_port() -> None:
    plan = StackPorts.well_known()
    published = {name: int(service["ports"][0].split(":")[0]) for name, service in compose().items()}

    assert published == {name: getattr(plan, field) for name, field in SYSTEMS.items()}


def test_the_readme_table_lists_the_images_compose_pulls_with_their_ports() -> None:
    readme = (ROOT / "docs" / "sandbox.md").read_text()
    rows = dict(re.findall(r"^\| [^|]+ \| `([^`]+)`[^|]* \| (\d+) \|$", readme, re.MULTILINE))
    services = compose()

    assert rows == {service["image"]: service["ports"][0].split(":")[0] for service in services.values()}
    assert "needs no container image" in readme
