"""Smoke tests run against a deployed instance; without its URL and credentials they skip."""

from __future__ import annotations

import os

import pytest
import requests

REQUIRED = ("SMOKE_BASE_URL", "SMOKE_AUTH_URL", "SMOKE_CLIENT_ID", "SMOKE_CLIENT_SECRET")


@pytest.fixture(scope="session")
def deployed() -> dict[str, str]:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        pytest.skip(
            f"no deployed instance to smoke-test: set {', '.join(missing)} "
            "(to smoke-test `make run`'s sandbox, see docs/sandbox.md \"Smoke-testing the sandbox\")"
        )
    return {name: os.environ[name].rstrip("/") for name in REQUIRED}


@pytest.fixture(scope="session")
def report_token(deployed: dict[str, str]) -> str:
    """A client-credentials token for a client holding ROLE_PTPU_REPORT."""
    response = requests.post(
        f"{deployed['SMOKE_AUTH_URL']}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(deployed["SMOKE_CLIENT_ID"], deployed["SMOKE_CLIENT_SECRET"]),
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])
