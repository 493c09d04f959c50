"""Is the deployed service up, describing itself, and answering an authorised report?"""

from __future__ import annotations

import requests


def test_health_is_up_with_every_component(deployed: dict[str, str]) -> None:
    response = requests.get(f"{deployed['SMOKE_BASE_URL']}/health", timeout=10)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "UP"
    for component in ("prisonApiHealth", "communityApiHealth", "searchApiHealth", "OAuthApiHealth", "queueHealth"):
        assert body["components"][component]["status"] == "UP", component


def test_info_names_the_build(deployed: dict[str, str]) -> None:
    body = requests.get(f"{deployed['SMOKE_BASE_URL']}/info", timeout=10).json()
    assert body["build"]["name"]
    assert body["build"]["version"]


def test_in_progress_report_answers_csv_with_a_token(deployed: dict[str, str], report_token: str) -> None:
    response = requests.get(
        f"{deployed['SMOKE_BASE_URL']}/report/in-progress",
        headers={"Authorization": f"Bearer {report_token}"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.text.splitlines()[0].startswith('"BOOKINGID","BOOKINGNO"')


def test_reports_refuse_a_caller_without_a_token(deployed: dict[str, str]) -> None:
    response = requests.get(f"{deployed['SMOKE_BASE_URL']}/report/in-progress", timeout=10)
    assert response.status_code == 401
