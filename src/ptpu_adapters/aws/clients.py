"""boto3 clients: one Session per credential set (SPEC §11), timeouts and retries per service."""

from __future__ import annotations

from typing import Any

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
# Long polls hold the connection for up to 20 s, so SQS reads need more than that.
_SQS_CONFIG = _DYNAMODB_CONFIG.merge(Config(read_timeout=30))
# Publishing to SNS: one attempt per call; the domain-event publisher's own back-off retries.
_SNS_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"total_max_attempts": 1, "mode": "standard"})


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
    sqs_url = (endpoints.sqs or endpoint_url) if emulated else None
    dynamodb_url = (endpoints.dynamodb or endpoint_url) if emulated else None
    sns_url = (endpoints.sns or sqs_url) if emulated else None  # an emulator usually serves SNS beside SQS
    if emulated and not (sqs_url and dynamodb_url):
        raise ValueError("AWS_PROVIDER=localstack needs an endpoint URL for SQS and DynamoDB")
    # One Session per distinct credential set, all built up front (Sessions are not thread-safe).
    sessions: dict[AwsCredentials | None, boto3.session.Session] = {}

    def session(keys: AwsCredentials | None) -> boto3.session.Session:
        keys = AwsCredentials(*_EMULATOR_KEYS) if keys is None and emulated else keys
        if keys not in sessions:
            sessions[keys] = boto3.session.Session(
                region_name=region, aws_access_key_id=keys.access_key_id if keys else None,
                aws_secret_access_key=keys.secret_access_key if keys else None,
            )
        return sessions[keys]

    def sqs(keys: AwsCredentials | None) -> Any:
        return session(keys).client("sqs", endpoint_url=sqs_url, config=_SQS_CONFIG)

    def dynamodb(keys: AwsCredentials | None) -> Any:
        return session(keys).client("dynamodb", endpoint_url=dynamodb_url, config=_DYNAMODB_CONFIG)

    return AwsClients(
        sqs=sqs(credentials.sqs), dlq_sqs=sqs(credentials.dlq or credentials.sqs),
        # The topic lives with the queues (same emulator, same keys) when we create it ourselves.
        sns=session(credentials.sqs).client("sns", endpoint_url=sns_url, config=_SNS_CONFIG),
        dynamodb=dynamodb(credentials.dynamodb),
        schedule_dynamodb=dynamodb(credentials.schedule or credentials.dynamodb),
    )
