"""No secret leaves the service: recognisable client secret, AWS keys and the access tokens Auth issued
must not appear in its logs, /health, /info, or any error body, even while things fail."""

from __future__ import annotations

from pathlib import Path

import requests

from ptpu_sandbox.simulators import Client
from reliability import world
from reliability.flows import publish_all, wait_settled
from reliability.harness import ReliabilityStack

CLIENT_ID = "prison-to-probation-update"
SECRETS = {
    "OAUTH_CLIENT_SECRET": "client-secret-QX7Z-leakcheck",
    "SQS_AWS_ACCESS_KEY_ID": "AKIALEAKCHECKSQS0001",
    "SQS_AWS_SECRET_ACCESS_KEY": "sqs-secret-key-QX7Z-leakcheck",
    "DYNAMODB_AWS_ACCESS_KEY_ID": "AKIALEAKCHECKDDB0001",
    "DYNAMODB_AWS_SECRET_ACCESS_KEY": "dynamodb-secret-key-QX7Z-leakcheck",
}


def test_no_secret_appears_in_logs_health_info_or_error_bodies(tmp_path: Path) -> None:
    stack = ReliabilityStack(
        tmp_path, auth_clients={CLIENT_ID: Client(SECRETS["OAUTH_CLIENT_SECRET"])}
    ).start()
    try:
        assert stack.hmpps is not None
        issued: list[str] = []
        mint = stack.hmpps.auth.mint_token

        def recording_mint(*args, **kwargs) -> str:
            token = mint(*args, **kwargs)
            issued.append(token)
            return token

        stack.hmpps.auth.mint_token = recording_mint  # type: ignore[method-assign]
        world.seed(stack.hmpps, 4)
        planned = world.events(4)
        # Failures make the service log errors (with exception text) as well as successes.
        stack.hmpps.community.inject_fault(status=500, times=3)
        service = stack.start_service("secrets", **SECRETS)
        publish_all(stack, planned)
        wait_settled(stack, planned, timeout=60)

        bodies = [service.get(path).text for path in ("/health", "/info", "/health/ping", "/prometheus")]
        bodies += [
            service.get("/report/in-progress", headers={"Authorization": f"Bearer {issued[0]}x"}).text,
            service.get("/report/in-progress", headers={"Authorization": "Bearer garbage"}).text,
            requests.put(f"{service.url}/queue-admin/purge-queue/nope", timeout=10).text,
            service.get("/no-such-endpoint").text,
        ]
        stack.hmpps.auth.stop()  # Auth down: token and JWKS failures get logged too
        bodies.append(service.get("/health", timeout=30).text)
        bodies.append(service.get("/report/in-progress", headers={"Authorization": f"Bearer {issued[0]}"}).text)
        service.stop()
        emitted = "\n".join([service.log(), *bodies])

        assert issued, "the service never fetched a token, so the check would prove nothing"
        for name, secret in SECRETS.items():
            assert secret not in emitted, f"{name} leaked"
        for token in issued:
            assert token.split(".")[2] not in emitted, "an access token leaked"
    finally:
        stack.stop()
