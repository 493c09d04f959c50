"""One simulated HMPPS cluster for this folder's tests, put back to its seed before each test."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ptpu_sandbox.simulators import SimulatedHmpps

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "original-2021" / "api-mappings"
SERVICE_CLIENT = ("prison-to-probation-update", "sandbox-secret")


def fixture_body(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())["response"]["jsonBody"]


@pytest.fixture(autouse=True)
def _fresh_seed(request: pytest.FixtureRequest) -> None:
    if "hmpps" in request.fixturenames:
        request.getfixturevalue("hmpps").reset()


@pytest.fixture
def service_token(hmpps: SimulatedHmpps) -> str:
    """A token obtained the way the service gets one: client credentials over HTTP."""
    response = requests.post(
        f"{hmpps.auth_url}/oauth/token",
        auth=SERVICE_CLIENT,
        data={"grant_type": "client_credentials"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def api(service_token: str) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {service_token}"
        yield session


def offender_of(hmpps: SimulatedHmpps, crn: str) -> dict[str, Any]:
    """The simulated Delius offender `crn` as it is now (fails the test if there is none)."""
    offender = hmpps.delius.offender(crn)
    assert offender is not None, f"no offender {crn} in the simulated Delius"
    return offender
