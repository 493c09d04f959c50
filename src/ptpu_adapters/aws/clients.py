"""boto3 clients: one Session per credential set (SPEC §11), timeouts and retries per service."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

import boto3
from attrs import field, frozen
from botocore.config import Config

AWS = "aws"
LOCALSTACK = "localstack"

# An emulator accepts any keys; boto3 still insists on having some.
_EMULATOR_KEYS = ("test", "test")

_DYNAMODB_CONFIG = Config(
    connect_timeout=5, read_timeout=10, retries={"max_attempts": 4, "mode": "standard"}, max_pool_connections=20
)
_CONFIGS = {
    "dynamodb": _DYNAMODB_CONFIG,
    # Long polls hold the connection for up to 20 s, so SQS reads need more than that.
    "sqs": _DYNAMODB_CONFIG.merge(Config(read_timeout=30)),
    # Publishing to SNS: one attempt per call; the domain-event publisher's own back-off retries.
    "sns": Config(connect_timeout=5, read_timeout=10, retries={"total_max_attempts": 1, "mode": "standard"}),
}


@frozen
class AwsCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)  # never in logs or tracebacks


@frozen
class AwsClients:
    """Every AWS client the service uses. `dlq_sqs` and `schedule_dynamodb` may carry other keys."""

    sqs: Any
    dlq_sqs: Any
    sns: Any
    dynamodb: Any
    schedule_dynamodb: Any


@frozen
class AwsEndpoints:
    """An emulator's endpoint per service, where it differs from the one URL given (SNS: the SQS one)."""

    sqs: str | None = None
    dynamodb: str | None = None
    sns: str | None = None


@frozen
class AwsCredentialSets:
    """Keys per client; None: the default chain (the SQS keys for the DLQ, the DynamoDB keys for the schedule)."""

    sqs: AwsCredentials | None = None
    dlq: AwsCredentials | None = None
    dynamodb: AwsCredentials | None = None
    schedule: AwsCredentials | None = None


def make_clients(
    provider: str, region: str, endpoint_url: str | None = None, *, endpoints: AwsEndpoints = AwsEndpoints(),
    credentials: AwsCredentialSets = AwsCredentialSets(),
) -> AwsClients:
    """Build the clients: with `aws`, AWS's own endpoints; with `localstack` (any emulator) endpoint URLs
    are required. ValueError for another provider or a missing endpoint."""
    if provider not in (AWS, LOCALSTACK):
        raise ValueError(f"AWS_PROVIDER must be '{AWS}' or '{LOCALSTACK}', not '{provider}'")
    emulated = provider == LOCALSTACK
    urls = {"sqs": endpoints.sqs or endpoint_url, "dynamodb": endpoints.dynamodb or endpoint_url}
    urls["sns"] = endpoints.sns or urls["sqs"]  # an emulator usually serves SNS beside SQS
    if emulated and not (urls["sqs"] and urls["dynamodb"]):
        raise ValueError("AWS_PROVIDER=localstack needs an endpoint URL for SQS and DynamoDB")

    @cache  # one Session per distinct credential set, all built up front (Sessions are not thread-safe)
    def session(keys: AwsCredentials | None) -> boto3.session.Session:
        return boto3.session.Session(
            region_name=region, aws_access_key_id=keys.access_key_id if keys else None,
            aws_secret_access_key=keys.secret_access_key if keys else None,
        )

    def client(service: Literal["sqs", "sns", "dynamodb"], keys: AwsCredentials | None) -> Any:
        keys = AwsCredentials(*_EMULATOR_KEYS) if keys is None and emulated else keys
        return session(keys).client(service, endpoint_url=urls[service] if emulated else None, config=_CONFIGS[service])

    return AwsClients(
        sqs=client("sqs", credentials.sqs), dlq_sqs=client("sqs", credentials.dlq or credentials.sqs),
        # The topic lives with the queues (same emulator, same keys) when we create it ourselves.
        sns=client("sns", credentials.sqs),
        dynamodb=client("dynamodb", credentials.dynamodb),
        schedule_dynamodb=client("dynamodb", credentials.schedule or credentials.dynamodb),
    )
