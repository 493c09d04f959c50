"""The environment of a ptpu service on the moto emulator and the simulated HMPPS APIs (shared by the
integration tests that run a whole container against them)."""

from __future__ import annotations

import uuid
from typing import Any

from ptpu_sandbox.ports import free_port


def simulated_service_env(aws_emulator: Any, hmpps: Any, **overrides: str) -> dict[str, str]:
    """Settings for a container on `aws_emulator` (its endpoint_url) and `hmpps` (SimulatedHmpps), with
    queue, topic and table names of its own, a free SERVER_PORT (never the default 8080 another process may
    hold), no hold-back and 1 s long polls; `overrides` win."""
    suffix = uuid.uuid4().hex[:8]
    return {
        "AWS_PROVIDER": "localstack",
        "SQS_ENDPOINT_URL": aws_emulator.endpoint_url,
        "DYNAMODB_ENDPOINT": aws_emulator.endpoint_url,
        "SQS_QUEUE_NAME": f"queue-{suffix}",
        "SQS_DLQ_NAME": f"dlq-{suffix}",
        "SNS_TOPIC_NAME": f"topic-{suffix}",
        "DYNAMODB_TABLENAME": f"messages-{suffix}",
        "DYNAMODB_SCHEDULE_TABLENAME": f"schedule-{suffix}",
        "OAUTH_ENDPOINT_URL": hmpps.auth_url,
        "OAUTH_CLIENT_ID": "prison-to-probation-update",
        "OAUTH_CLIENT_SECRET": "sandbox-secret",
        "PRISON_ENDPOINT_URL": hmpps.prison_url,
        "COMMUNITY_ENDPOINT_URL": hmpps.community_url,
        "OFFENDER_SEARCH_ENDPOINT_URL": hmpps.search_url,
        "PRISONTOPROBATION_HOLD_BACK_DURATION": "0s",
        "SQS_LISTENER_WAIT_SECONDS": "1",
        "SERVER_PORT": str(free_port()),
        **overrides,
    }
