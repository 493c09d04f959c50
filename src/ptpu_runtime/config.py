"""Settings read once, at start-up, from the environment variables of SPEC §11 (same names as the original).

`load_settings(env)` validates everything up front: a missing or malformed setting raises ConfigError
with one line naming the variable and what is wrong. Secret values never appear in messages or repr.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from attrs import field, frozen

from ptpu_adapters.aws.clients import AWS, LOCALSTACK, AwsCredentials
from ptpu_core.errors import ConfigError
from ptpu_core.settings import DomainSettings
from ptpu_runtime.cron import spring_cron_trigger
from ptpu_runtime.durations import parse_duration
from ptpu_runtime.scheduling import LOCK_AT_MOST

T = TypeVar("T")

DEFAULT_SHORT_CRON = "0 0 * * * *"
DEFAULT_MEDIUM_CRON = "0 15 */4 * * *"
DEFAULT_LONG_CRON = "0 30 23 * * *"
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@frozen
class Settings:
    oauth_endpoint_url: str
    oauth_client_id: str
    oauth_client_secret: str = field(repr=False)
    prison_endpoint_url: str
    community_endpoint_url: str
    offender_search_endpoint_url: str
    dynamodb_table_name: str
    schedule_table_name: str
    server_port: int = 8080
    only_prisons: frozenset[str] = frozenset()
    message_processor_delay: timedelta = timedelta(milliseconds=1000)
    message_processor_enabled: bool = True
    hold_back: timedelta = timedelta(minutes=15)
    dry_run: bool = False
    short_retry_cron: str = DEFAULT_SHORT_CRON
    medium_retry_cron: str = DEFAULT_MEDIUM_CRON
    long_retry_cron: str = DEFAULT_LONG_CRON
    sqs_queue_name: str = "prison_to_probation_queue"
    sqs_dlq_name: str = "prison_to_probation_dlq"
    sns_topic_name: str = "offender_events"
    sqs_credentials: AwsCredentials | None = field(default=None, repr=False)
    dlq_credentials: AwsCredentials | None = field(default=None, repr=False)
    dynamodb_credentials: AwsCredentials | None = field(default=None, repr=False)
    schedule_credentials: AwsCredentials | None = field(default=None, repr=False)
    aws_region: str = "eu-west-2"
    aws_provider: str = AWS
    sqs_endpoint_url: str | None = None
    dynamodb_endpoint_url: str | None = None
    sns_endpoint_url: str | None = None
    applicationinsights_connection_string: str | None = field(default=None, repr=False)
    listener_workers: int = 2
    # Long-poll length: also how long a stop may wait for the poll in progress.
    listener_wait_seconds: int = 5
    # How long a received message stays hidden while we handle it. SQS's own default (30s) is shorter
    # than one message whose two prison-api calls (plus a token fetch) time out: each call may take
    # 3 attempts x (2s connect + 10s read) ~ 37s. 5 minutes covers a few such messages of one booking
    # handled in turn; a failed message also waits this long before its next try (poison does not).
    sqs_visibility_timeout: timedelta = timedelta(minutes=5)
    http_connect_timeout: timedelta = timedelta(seconds=2)
    http_read_timeout: timedelta = timedelta(seconds=10)
    shutdown_timeout: timedelta = timedelta(seconds=30)
    # Reports running at once (issue 13 §4); more get 429 with Retry-After.
    reports_max_concurrent: int = 2
    lock_at_most: timedelta = LOCK_AT_MOST

    @property
    def emulated_aws(self) -> bool:
        return self.aws_provider == LOCALSTACK

    def domain(self) -> DomainSettings:
        return DomainSettings(
            only_prisons=self.only_prisons,  # type: ignore[arg-type]  # attrs converter confuses mypy
            hold_back=self.hold_back, dry_run=self.dry_run)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (default: os.environ). Raises ConfigError on the first bad variable."""
    read = _Reader(os.environ if env is None else env)
    provider = read.choice("AWS_PROVIDER", (AWS, LOCALSTACK), AWS)
    emulated = provider == LOCALSTACK
    return Settings(
        server_port=read.parsed("SERVER_PORT", _port, 8080),
        oauth_endpoint_url=read.url("OAUTH_ENDPOINT_URL"),
        oauth_client_id=read.required("OAUTH_CLIENT_ID"),
        oauth_client_secret=read.required("OAUTH_CLIENT_SECRET"),
        prison_endpoint_url=read.url("PRISON_ENDPOINT_URL"),
        community_endpoint_url=read.url("COMMUNITY_ENDPOINT_URL"),
        offender_search_endpoint_url=read.url("OFFENDER_SEARCH_ENDPOINT_URL"),
        only_prisons=read.parsed("PRISONTOPROBATION_ONLY_PRISONS", _prisons, frozenset()),
        message_processor_delay=read.duration("PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY", timedelta(seconds=1)),
        message_processor_enabled=read.flag("PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED", True),
        hold_back=read.duration("PRISONTOPROBATION_HOLD_BACK_DURATION", timedelta(minutes=15)),
        dry_run=read.flag("PRISONTOPROBATION_DRY_RUN", False),
        short_retry_cron=read.cron("RETRY_SCHEDULES_SHORT_CRON", DEFAULT_SHORT_CRON),
        medium_retry_cron=read.cron("RETRY_SCHEDULES_MEDIUM_CRON", DEFAULT_MEDIUM_CRON),
        long_retry_cron=read.cron("RETRY_SCHEDULES_LONG_CRON", DEFAULT_LONG_CRON),
        sqs_queue_name=read.text("SQS_QUEUE_NAME", "prison_to_probation_queue"),
        sqs_dlq_name=read.text("SQS_DLQ_NAME", "prison_to_probation_dlq"),
        sns_topic_name=read.text("SNS_TOPIC_NAME", "offender_events"),
        sqs_credentials=read.credentials("SQS_AWS"),
        dlq_credentials=read.credentials("SQS_AWS_DLQ"),
        dynamodb_table_name=read.required("DYNAMODB_TABLENAME"),
        dynamodb_credentials=read.credentials("DYNAMODB_AWS"),
        schedule_table_name=read.required("DYNAMODB_SCHEDULE_TABLENAME"),
        schedule_credentials=read.credentials("DYNAMODB_SCHEDULE_AWS"),
        aws_region=read.text("AWS_REGION", "eu-west-2"),
        aws_provider=provider,
        sqs_endpoint_url=read.url("SQS_ENDPOINT_URL") if emulated else read.optional_url("SQS_ENDPOINT_URL"),
        dynamodb_endpoint_url=read.url("DYNAMODB_ENDPOINT") if emulated else read.optional_url("DYNAMODB_ENDPOINT"),
        sns_endpoint_url=read.optional_url("SNS_ENDPOINT_URL"),
        applicationinsights_connection_string=read.optional("APPLICATIONINSIGHTS_CONNECTION_STRING"),
        listener_workers=read.parsed("SQS_LISTENER_WORKERS", _positive_int, 2),
        reports_max_concurrent=read.parsed("REPORTS_MAX_CONCURRENT", _positive_int, 2),
        listener_wait_seconds=read.parsed("SQS_LISTENER_WAIT_SECONDS", _long_poll_seconds, 5),
        sqs_visibility_timeout=read.parsed(
            "SQS_VISIBILITY_TIMEOUT", _visibility_timeout, timedelta(minutes=5)
        ),
        http_connect_timeout=read.duration("HTTP_CONNECT_TIMEOUT", timedelta(seconds=2)),
        http_read_timeout=read.duration("HTTP_READ_TIMEOUT", timedelta(seconds=10)),
        shutdown_timeout=read.duration("SHUTDOWN_TIMEOUT", timedelta(seconds=30)),
        lock_at_most=read.duration("PRISONTOPROBATION_LOCK_AT_MOST", LOCK_AT_MOST),
    )


class _Reader:
    """Reads one variable at a time and turns any problem into a one-line ConfigError naming it."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def optional(self, name: str) -> str | None:
        value = self._env.get(name)
        return value.strip() if value is not None and value.strip() else None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def required(self, name: str) -> str:
        value = self.optional(name)
        if value is None:
            raise ConfigError(f"{name}: required but not set")
        return value

    def parsed(self, name: str, parse: Callable[[str], T], default: T) -> T:
        value = self.optional(name)
        if value is None:
            return default
        try:
            return parse(value)
        except ValueError as error:
            raise ConfigError(f"{name}: {_one_line(str(error))}") from None

    def url(self, name: str) -> str:
        value = self.required(name)
        return self.parsed(name, _url, value)

    def optional_url(self, name: str) -> str | None:
        return self.parsed(name, _url, None)

    def duration(self, name: str, default: timedelta) -> timedelta:
        return self.parsed(name, parse_duration, default)

    def flag(self, name: str, default: bool) -> bool:
        return self.parsed(name, _flag, default)

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        def pick(value: str) -> str:
            if value.lower() not in allowed:
                raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
            return value.lower()

        return self.parsed(name, pick, default)

    def cron(self, name: str, default: str) -> str:
        def validate(value: str) -> str:
            spring_cron_trigger(value)
            return value

        return self.parsed(name, validate, default)

    def credentials(self, prefix: str) -> AwsCredentials | None:
        key_name, secret_name = f"{prefix}_ACCESS_KEY_ID", f"{prefix}_SECRET_ACCESS_KEY"
        key, secret = self.optional(key_name), self.optional(secret_name)
        if key is None and secret is None:
            return None
        if key is None:
            raise ConfigError(f"{key_name}: required when {secret_name} is set")
        if secret is None:
            raise ConfigError(f"{secret_name}: required when {key_name} is set")
        return AwsCredentials(key, secret)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _url(value: str) -> str:
    parts = urlsplit(value)
    # A single-label host (http://prison-api, a cluster service name) is as good as any.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{value}' is not an http(s) URL")
    return value.rstrip("/")


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"'{value}' is not a port number (1-65535)")
    return int(value)


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise ValueError(f"'{value}' is not a positive whole number")
    return int(value)


def _long_poll_seconds(value: str) -> int:
    if not value.isdigit() or int(value) > 20:
        raise ValueError(f"'{value}' is not a whole number of seconds from 0 to 20 (the SQS long-poll limit)")
    return int(value)


def _visibility_timeout(value: str) -> timedelta:
    duration = parse_duration(value)
    if not timedelta(seconds=1) <= duration <= timedelta(hours=12):
        raise ValueError(f"'{value}' is not a duration from 1s to 12h (the SQS visibility timeout limits)")
    return duration


def _flag(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"'{value}' is not true or false")


def _prisons(value: str) -> frozenset[str]:
    return frozenset(code.strip() for code in value.split(",") if code.strip())
