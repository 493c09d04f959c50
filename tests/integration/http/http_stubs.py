"""Helpers for the loopback HTTP stub tests (a uniquely named module: tests dirs are not packages)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

MAPPINGS = Path(__file__).resolve().parents[2] / "fixtures" / "original-2021" / "api-mappings"
CLIENT_ID = "ptpu-client"
CLIENT_SECRET = "s3cr3t-value"
TOKEN = "token-1"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()}


def fixture_body(name: str) -> Any:
    return json.loads((MAPPINGS / name).read_text())["response"]["jsonBody"]


def expect_token(server: HTTPServer, token: str = TOKEN, expires_in: int = 3600) -> None:
    server.expect_request(
        "/oauth/token", method="POST", data="grant_type=client_credentials&scope=read", headers=BASIC
    ).respond_with_json({"access_token": token, "token_type": "bearer", "expires_in": expires_in})


def token_requests(server: HTTPServer) -> int:
    return sum(1 for request, _ in server.log if request.path == "/oauth/token")


class RecordingSleep:
    """Stands in for time.sleep so back-off is observed, not waited for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


