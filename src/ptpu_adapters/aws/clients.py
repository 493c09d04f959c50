"""boto3 clients for the service: one Session per credential set (SPEC §11), sane timeouts and retries."""

from __future__ import annotations

from typing import Any

import boto3
from attrs import field, frozen
from botocore.config import Config

AWS = "aws"
LOCALSTACK = "localstack"

# An emulator accepts any keys; boto3 still insists on having some.
_EMULATOR_KEYS = ("test", "test")

# Long polls hold the connection for up to 20 s, so SQS reads need more than that.
_SQS_CONFIG = Config(
    connect_timeout=5, read_timeout=30, retries={"max_attempts": 4, "mode": "standard"}, max_pool_connections=20
)
# Publishing to SNS: one attempt per call; the domain-event publisher's own back-off retries.
_SNS_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"total_max_attempts": 1, "mode": "standard"})
_DYNAMODB_CONFIG = Config(
    connect_timeout=5, read_timeout=10, retries={"max_attempts": 4, "mode": "standard"}, max_pool_connections=20
)


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


def make_clients(
    provider: str,
    region: str,
    endpoint_url: str | None = None,
    *,
    sqs_endpoint_url: str | None = None,
    dynamodb_endpoint_url: str | None = None,
    sns_endpoint_url: str | None = None,
    sqs_credentials: AwsCredentials | None = None,
    dlq_credentials: AwsCredentials | None = None,
    dynamodb_credentials: AwsCredentials | None = None,
    schedule_credentials: AwsCredentials | None = None,
) -> AwsClients:
    """Build the clients. With provider `aws`, absent credentials mean the default credential chain
    and endpoints are AWS's own; with `localstack` (any emulator) an endpoint URL is required."""
    if provider not in (AWS, LOCALSTACK):
        raise ValueError(f"AWS_PROVIDER must be '{AWS}' or '{LOCALSTACK}', not '{provider}'")
    emulated = provider == LOCALSTACK
    sqs_url = (sqs_endpoint_url or endpoint_url) if emulated else None
    dynamodb_url = (dynamodb_endpoint_url or endpoint_url) if emulated else None
    sns_url = (sns_endpoint_url or sqs_url) if emulated else None  # an emulator usually serves SNS beside SQS
    if emulated and not (sqs_url and dynamodb_url):
        raise ValueError("AWS_PROVIDER=localstack needs an endpoint URL for SQS and DynamoDB")
    sessions = _SessionPerCredentials(region, emulated)
    sqs_session = sessions.get(sqs_credentials)
    dynamodb_session = sessions.get(dynamodb_credentials)
    return AwsClients(
        sqs=sqs_session.client("sqs", endpoint_url=sqs_url, config=_SQS_CONFIG),
        dlq_sqs=sessions.get(dlq_credentials or sqs_credentials).client(
            "sqs", endpoint_url=sqs_url, config=_SQS_CONFIG
        ),
        # The topic lives with the queues (same emulator, same keys) when we create it ourselves.
        sns=sqs_session.client("sns", endpoint_url=sns_url, config=_SNS_CONFIG),
        dynamodb=dynamodb_session.client("dynamodb", endpoint_url=dynamodb_url, config=_DYNAMODB_CONFIG),
        schedule_dynamodb=sessions.get(schedule_credentials or dynamodb_credentials).client(
            "dynamodb", endpoint_url=dynamodb_url, config=_DYNAMODB_CONFIG
        ),
    )


class _SessionPerCredentials:
    """boto3 Sessions are not thread-safe to build clients from concurrently, so build them all up front
    and share one per distinct credential set."""

    def __init__(self, region: str, emulated: bool) -> None:
        self._region = region
        self._emulated = emulated
        self._sessions: dict[AwsCredentials | None, boto3.session.Session] = {}

    def get(self, credentials: AwsCredentials | None) -> boto3.session.Session:
        if credentials is None and self._emulated:
            credentials = AwsCredentials(*_EMULATOR_KEYS)
        if credentials not in self._sessions:
            self._sessions[credentials] = boto3.session.Session(
                region_name=self._region,
                aws_access_key_id=credentials.access_key_id if credentials else None,
                aws_secret_access_key=credentials.secret_access_key if credentials else None,
            )
        return self._sessions[credentials]
