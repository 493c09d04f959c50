"""Before anything starts, reach every AWS resource once: a failure is a one-line ConfigError naming the setting."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProxyConnectionError,
    ReadTimeoutError,
)

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.aws.errors import error_code
from ptpu_core.errors import ConfigError
from ptpu_runtime.config import Settings
from ptpu_runtime.outbound_environment import masked_proxy

_REJECTED = {
    "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSignatureException",
    "ExpiredToken", "ExpiredTokenException", "InvalidAccessKeyId", "AuthFailure"}
_DENIED = {"AccessDenied", "AccessDeniedException", "AuthorizationError"}
_UNREACHABLE = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)


def check_aws(settings: Settings, clients: AwsClients, resolve_queues: Callable[[], object]) -> None:
    """Resolve (emulated: create) the queues, describe both tables and any topic; ConfigError on the first failure."""
    sqs_endpoint, dynamodb_endpoint = (
        ("SQS_ENDPOINT_URL", "DYNAMODB_ENDPOINT") if settings.emulated_aws else ("AWS_REGION", "AWS_REGION"))
    with explained("SQS", clients.sqs, "SQS_AWS", sqs_endpoint):
        resolve_queues()
    tables = (
        (clients.dynamodb, "DYNAMODB_AWS", "DYNAMODB_TABLENAME", settings.dynamodb_table_name),
        (clients.schedule_dynamodb, "DYNAMODB_SCHEDULE_AWS", "DYNAMODB_SCHEDULE_TABLENAME",
         settings.schedule_table_name))
    for client, keys, table_setting, table in tables:
        with explained("DynamoDB", client, keys, dynamodb_endpoint, (table_setting, table)):
            client.describe_table(TableName=table)
    if topic := settings.domain_event_topic_arn:
        # As hmpps-sqs's topic health (GetTopicAttributes): not a failed publish after every NOMS number set.
        with explained("SNS", clients.sns, "SQS_AWS", sqs_endpoint, (DOMAIN_EVENT_TOPIC_SETTING, topic)):
            clients.sns.get_topic_attributes(TopicArn=topic)


DOMAIN_EVENT_TOPIC_SETTING = "HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN"


@contextmanager
def explained(
    service: str, client: Any, keys: str, endpoint_setting: str, resource: tuple[str, str] | None = None
) -> Iterator[None]:
    """Botocore's credential, permission, connection and not-found errors as a one-line ConfigError."""
    endpoint = str(getattr(getattr(client, "meta", None), "endpoint_url", "?"))
    key_settings = f"{keys}_ACCESS_KEY_ID/{keys}_SECRET_ACCESS_KEY"
    try:
        yield
    except (NoCredentialsError, PartialCredentialsError):
        raise ConfigError(
            f"{key_settings}: no AWS credentials for {service} at {endpoint} (set them, or give the pod a role)"
        ) from None
    except ProxyConnectionError as error:
        proxy = masked_proxy(str(getattr(error, "kwargs", {}).get("proxy_url", "?")))
        variable = "HTTPS_PROXY" if endpoint.startswith("https") else "HTTP_PROXY"
        raise ConfigError(
            f"{variable}/NO_PROXY: cannot reach {service} at {endpoint} through the proxy {proxy} "
            "(ProxyConnectionError)"
        ) from None
    except _UNREACHABLE as error:
        where = getattr(error, "kwargs", {}).get("endpoint_url") or endpoint
        raise ConfigError(f"{endpoint_setting}: cannot reach {service} at {where} ({type(error).__name__})") from None
    except ClientError as error:
        code = error_code(error)
        if code in _REJECTED:
            raise ConfigError(f"{key_settings}: {service} at {endpoint} rejected the credentials ({code})") from None
        if code in _DENIED:
            raise ConfigError(f"{key_settings}: not permitted by {service} at {endpoint} ({code})") from None
        missing = {"ResourceNotFoundException": "table", "NotFound": "topic", "NotFoundException": "topic"}.get(code)
        if missing and resource is not None:
            raise ConfigError(f"{resource[0]}: {missing} '{resource[1]}' not found at {endpoint}") from None
        raise


def check_listen(address: str, port: int) -> None:
    """Bind SERVER_ADDRESS:SERVER_PORT once: an unresolvable address or a taken port is a ConfigError."""
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise ConfigError(f"SERVER_ADDRESS: cannot listen on {address!r} ({error})") from None
    family, kind, proto, _, where = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError as error:
            raise ConfigError(
                f"SERVER_ADDRESS/SERVER_PORT: cannot listen on {address}:{port} ({error.strerror or error})"
            ) from None
