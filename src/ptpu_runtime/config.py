"""Settings read once, at start-up, from the environment variables of SPEC §11 (the original's names), each
declared by `setting(...)` (config_kinds); `load_settings` raises SettingsError listing every bad one.
Secrets never appear in messages or repr. A new setting is one field below, then `make docs`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from attrs import frozen

from ptpu_adapters.aws.clients import AWS, LOCALSTACK, AwsCredentials
from ptpu_core.rules.capabilities import Capabilities, Capability
from ptpu_core.settings import DomainSettings
from ptpu_runtime.config_kinds import (
    ADDRESS,
    DURATION,
    FLAG,
    HOLD_BACK,
    LONG_POLL_SECONDS,
    PORT,
    POSITIVE_DURATION,
    POSITIVE_INT,
    PRISON_CODES,
    REGION,
    TEXT,
    URL,
    VISIBILITY_TIMEOUT,
    Kind,
    SettingsError,
    checked,
    choice,
    read_all,
    setting,
    specs,
)
from ptpu_runtime.cron import parse_spring_cron
from ptpu_runtime.outbound_environment import outbound_problems
from ptpu_runtime.scheduling import LOCK_AT_MOST

# `ptpu`'s exit codes (here, below both command modules): a clean stop, a failure, a configuration error.
EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


def _cron(value: str) -> str:
    """Spring accepts a cron no date matches (30 February) and never runs its job; refused here instead."""
    if parse_spring_cron(value).first_at_or_after(datetime(2000, 1, 1)) is None:  # any start: no year field
        raise ValueError(f"'{value}' never fires: no date matches it")
    return value


def _seconds_list(value: str) -> tuple[int, ...]:
    """hmpps-sqs errorVisibilityTimeout: comma-separated whole seconds, each 0-43200 (SQS's limit)."""
    try:
        seconds = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise ValueError(f"'{value}' is not a comma-separated list of whole seconds") from None
    if any(not 0 <= s <= 43_200 for s in seconds):
        raise ValueError(f"'{value}': each must be 0-43200 seconds")
    return seconds


def _key_pair(value: str) -> AwsCredentials:
    """The access key id and the secret, read together as `id\nsecret`."""
    key, secret = value.split("\n")
    return AwsCredentials(key, secret)


CRON = Kind("Spring cron: second minute hour day month weekday (or a macro such as @daily)", _cron)
KEY_PAIR = Kind("AWS access key id + secret", _key_pair)
_SNS_ARN = re.compile(r"arn:aws:sns:[^:]+:[^:]+:[^:]+")
SNS_ARN = Kind("SNS topic ARN", checked(
    str, lambda value: bool(_SNS_ARN.fullmatch(value)), "is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"))
SECONDS_LIST = Kind("comma-separated seconds", _seconds_list, lambda v: ",".join(str(s) for s in v))
# hmpps-sqs (ministryofjustice/hmpps-spring-boot-sqs, HmppsSqsProperties under `hmpps.sqs`) reads these
# names; the existing service's helm values set them from namespace secrets.
HMPPS_SQS = "HMPPS_SQS"
_EVENT_QUEUE = f"{HMPPS_SQS}_QUEUES_PRISONEVENTQUEUE"
_CHAIN = "the default credential chain"


def _keys(prefix: str, what: str, shown_default: str = _CHAIN) -> AwsCredentials | None:
    return setting(  # type: ignore[no-any-return]
        f"{prefix}_ACCESS_KEY_ID", KEY_PAIR, f"static keys for {what} (both or neither)", None, secret=True,
        also=(f"{prefix}_SECRET_ACCESS_KEY",), shown_default=shown_default)


@frozen(kw_only=True)
class Settings:
    # HTTP server
    server_port: int = setting("SERVER_PORT", PORT, "HTTP port for the API, health and metrics", 8080)
    server_address: str = setting(
        "SERVER_ADDRESS", ADDRESS, "interface the HTTP server binds (0.0.0.0 = all; the sandbox uses 127.0.0.1)",
        "0.0.0.0")
    # HMPPS Auth and the upstream APIs
    oauth_endpoint_url: str = setting("OAUTH_ENDPOINT_URL", URL, "HMPPS Auth base URL (tokens and JWKS)")
    oauth_client_id: str = setting("OAUTH_CLIENT_ID", TEXT, "client-credentials id for upstream calls")
    oauth_client_secret: str = setting("OAUTH_CLIENT_SECRET", TEXT, "client-credentials secret", secret=True)
    prison_endpoint_url: str = setting("PRISON_ENDPOINT_URL", URL, "prison-api base URL")
    community_endpoint_url: str = setting("COMMUNITY_ENDPOINT_URL", URL, "community-api base URL (Delius)")
    offender_search_endpoint_url: str = setting(
        "OFFENDER_SEARCH_ENDPOINT_URL", URL, "probation-offender-search base URL")
    http_connect_timeout: timedelta = setting(
        "HTTP_CONNECT_TIMEOUT", POSITIVE_DURATION, "connect timeout of every upstream call", timedelta(seconds=2))
    http_read_timeout: timedelta = setting(
        "HTTP_READ_TIMEOUT", POSITIVE_DURATION,
        "read timeout of every upstream call (transient failures are retried twice)",
        timedelta(seconds=10))
    # What is processed, and when
    only_prisons: frozenset[str] = setting(
        "PRISONTOPROBATION_ONLY_PRISONS", PRISON_CODES, "prison codes of interest; empty means every prison",
        frozenset())
    message_processor_delay: timedelta = setting(
        "PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY", POSITIVE_DURATION, "pause between processing cycles (fixed delay)",
        timedelta(milliseconds=1000))
    message_processor_enabled: bool = setting(
        "PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED", FLAG, "run the processing and retry schedules at all", True)
    hold_back: timedelta = setting(
        "PRISONTOPROBATION_HOLD_BACK_DURATION", HOLD_BACK, "how long a new record waits before it is processed",
        timedelta(minutes=15))
    dry_run: bool = setting(
        "PRISONTOPROBATION_DRY_RUN", FLAG,
        "read and decide everything, write nothing to Delius; each intended write is a P2PDryRunWrite event", False)
    # Capability switches (ptpu_core.rules.capabilities): false leaves that write to a successor service
    sync_matching: bool = setting(
        "PRISONTOPROBATION_SYNC_MATCHING", FLAG,
        "set NOMS and book numbers on matched cases (false: prison-identifier-and-delius does)", True)
    sync_location: bool = setting(
        "PRISONTOPROBATION_SYNC_LOCATION", FLAG,
        "set the custody's prison; false: movements not stored (prison-custody-status-to-delius does)", True)
    sync_key_dates: bool = setting(
        "PRISONTOPROBATION_SYNC_KEYDATES", FLAG,
        "replace custody key dates; false: sentence-date events not stored (custody-key-dates-and-delius does)", True)
    sync_merges: bool = setting(
        "PRISONTOPROBATION_SYNC_MERGES", FLAG, "move Delius to the surviving NOMS number on BOOKING_NUMBER-CHANGED",
        True)
    short_retry_cron: str = setting(
        "RETRY_SCHEDULES_SHORT_CRON", CRON, "when records with 1-4 retries are retried", "0 0 * * * *")
    medium_retry_cron: str = setting(
        "RETRY_SCHEDULES_MEDIUM_CRON", CRON, "when records with 5-10 retries are retried", "0 15 */4 * * *")
    long_retry_cron: str = setting(
        "RETRY_SCHEDULES_LONG_CRON", CRON, "when records with 11+ retries are retried", "0 30 23 * * *")
    system_failure_retry_delay: timedelta = setting(
        "PRISONTOPROBATION_SYSTEM_FAILURE_RETRY_DELAY", POSITIVE_DURATION,
        "pause between runs retrying records an outage left in ERROR (a run reads nothing unless one was saved)",
        timedelta(minutes=1))
    system_failure_retry_limit: int = setting(
        "PRISONTOPROBATION_SYSTEM_FAILURE_RETRY_LIMIT", POSITIVE_INT,
        "most bookings one such run takes (it stops sooner while the upstream still fails)", 200)
    lock_at_most: timedelta = setting(
        "PRISONTOPROBATION_LOCK_AT_MOST", POSITIVE_DURATION,
        "longest the cluster lock is held (ShedLock lockAtMostFor); a cycle starts no booking after 80 % of it",
        LOCK_AT_MOST)
    shutdown_timeout: timedelta = setting(
        "SHUTDOWN_TIMEOUT", DURATION,
        "one deadline from SIGTERM for all work in hand (listener, scheduler, re-syncs, workers); past it, one ERROR "
        "line names what is left and the exit code is 1; the process ends within SHUTDOWN_TIMEOUT + 5 s",
        timedelta(seconds=30))
    # AWS
    aws_provider: str = setting(
        "AWS_PROVIDER", choice(AWS, LOCALSTACK),
        "aws: queues and tables must exist; localstack (any emulator): endpoints required, resources created",
        AWS, aliases=(f"{HMPPS_SQS}_PROVIDER",))
    aws_region: str = setting("AWS_REGION", REGION, "AWS region", "eu-west-2", aliases=(f"{HMPPS_SQS}_REGION",))
    sqs_endpoint_url: str | None = setting(
        "SQS_ENDPOINT_URL", URL, "SQS endpoint of an emulator", None, required_if=("aws_provider", LOCALSTACK),
        shown_default="AWS's own; required when AWS_PROVIDER=localstack", aliases=(f"{HMPPS_SQS}_LOCALSTACK_URL",))
    dynamodb_endpoint_url: str | None = setting(
        "DYNAMODB_ENDPOINT", URL, "DynamoDB endpoint of an emulator", None, required_if=("aws_provider", LOCALSTACK),
        shown_default="AWS's own; required when AWS_PROVIDER=localstack")
    sns_endpoint_url: str | None = setting(
        "SNS_ENDPOINT_URL", URL, "where an emulator serves SNS", None, shown_default="the SQS endpoint")
    sqs_queue_name: str = setting(
        "SQS_QUEUE_NAME", TEXT, "the offender-events queue", "prison_to_probation_queue",
        aliases=(f"{_EVENT_QUEUE}_QUEUE_NAME",))
    sqs_dlq_name: str = setting(
        "SQS_DLQ_NAME", TEXT, "its dead-letter queue", "prison_to_probation_dlq", aliases=(f"{_EVENT_QUEUE}_DLQ_NAME",))
    domain_event_topic_arn: str | None = setting(
        f"{HMPPS_SQS}_TOPICS_DOMAINEVENTTOPIC_ARN", SNS_ARN,
        "the HMPPS domain-events topic (hmpps-sqs name); HMPPS domain events are published there when set", None)
    use_web_token: bool = setting(
        f"{HMPPS_SQS}_USE_WEB_TOKEN", FLAG,
        "IRSA: every AWS client uses the web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, both then "
        "required); no static keys may be set",
        False)
    sns_topic_name: str = setting(
        "SNS_TOPIC_NAME", TEXT, "topic subscribed to when the service creates its own queues (localstack)",
        "offender_events")
    sqs_credentials: AwsCredentials | None = _keys("SQS_AWS", "the queue")
    dlq_credentials: AwsCredentials | None = _keys("SQS_AWS_DLQ", "the DLQ", "the queue's keys")
    dynamodb_table_name: str = setting("DYNAMODB_TABLENAME", TEXT, "the message table")
    dynamodb_credentials: AwsCredentials | None = _keys("DYNAMODB_AWS", "the message table")
    schedule_table_name: str = setting("DYNAMODB_SCHEDULE_TABLENAME", TEXT, "the lock (ShedLock) table")
    schedule_credentials: AwsCredentials | None = _keys(
        "DYNAMODB_SCHEDULE_AWS", "the lock table", "the message table's keys")
    listener_workers: int = setting(
        "SQS_LISTENER_WORKERS", POSITIVE_INT, "messages handled at once (one booking's still in order)", 2)
    # Long-poll length: also how long a stop may wait for the poll in progress.
    listener_wait_seconds: int = setting(
        "SQS_LISTENER_WAIT_SECONDS", LONG_POLL_SECONDS, "SQS long-poll wait (short, so a stop is quick)", 5)
    # SQS's 30 s default is shorter than one message whose upstream calls time out (3 x (2 s + 10 s) each).
    sqs_visibility_timeout: timedelta = setting(
        "SQS_VISIBILITY_TIMEOUT", VISIBILITY_TIMEOUT,
        "how long a received message stays hidden while it is handled",
        timedelta(minutes=5))
    # hmpps-sqs errorVisibilityTimeout: Spring binds it from either spelling of the env name.
    sqs_error_visibility_timeout: tuple[int, ...] = setting(
        "SQS_ERROR_VISIBILITY_TIMEOUT", SECONDS_LIST,
        "seconds before a failed (not poison) message returns, by receive: the nth failure waits the nth, "
        "later ones the last; the receive before redrive waits 0 and sends <eventType>-sent-to-dlq",
        (0, 60, 300),
        aliases=(f"{_EVENT_QUEUE}_ERROR_VISIBILITY_TIMEOUT", f"{_EVENT_QUEUE}_ERRORVISIBILITYTIMEOUT"))
    # Telemetry and tracing (ptpu_runtime.tracing): events are always JSON log lines too.
    applicationinsights_connection_string: str | None = setting(
        "APPLICATIONINSIGHTS_CONNECTION_STRING", TEXT,
        "send traces and the P2P telemetry events (as customEvents) to Application Insights (Azure Monitor)", None,
        secret=True)
    otel_exporter_otlp_endpoint: str | None = setting(
        "OTEL_EXPORTER_OTLP_ENDPOINT", URL,
        "OTLP/HTTP collector base URL: traces to <url>/v1/traces, the P2P events to <url>/v1/logs", None,
        shown_default="no OTLP export")
    otel_service_name: str = setting(
        "OTEL_SERVICE_NAME", TEXT, "service.name of the traces (Application Insights' cloud role name)",
        "prison-to-probation-update")
    # Logging: json (one object per line; the container's default) or plain (development), see logging_setup
    log_format: str = setting(
        "LOG_FORMAT", choice("json", "plain"),
        "log line format: json (one escaped object per line, the container image's default) or plain", "plain")
    # Throughput: bookings one pod syncs at once, and how long a booking's lease outlives a dead holder.
    processor_workers: int = setting(
        "PRISONTOPROBATION_PROCESSOR_WORKERS", POSITIVE_INT,
        "bookings one pod synchronises at once (one booking's records stay in order on one worker)", 4)
    booking_lease: timedelta = setting(
        "PRISONTOPROBATION_BOOKING_LEASE", POSITIVE_DURATION,
        "how long a pod's lease on a booking lasts; a dead pod's bookings are taken over after it; kept"
        " alive while the booking is in hand, so it must exceed twice the longest upstream call (about 37 s;"
        " start-up warns when not)",
        timedelta(minutes=10))
    # Reports running at once; more get 429 with Retry-After.
    reports_max_concurrent: int = setting(
        "REPORTS_MAX_CONCURRENT", POSITIVE_INT,
        "reports (CSV and match summary) served at once; more get 429 with Retry-After", 2)

    @property
    def emulated_aws(self) -> bool:
        return self.aws_provider == LOCALSTACK

    def domain(self) -> DomainSettings:
        return DomainSettings(
            only_prisons=self.only_prisons,  # type: ignore[arg-type]  # attrs converter confuses mypy
            hold_back=self.hold_back, dry_run=self.dry_run,
            capabilities=Capabilities(
                matching=self.sync_matching, location=self.sync_location, key_dates=self.sync_key_dates,
                merges=self.sync_merges))


# The variable that switches each capability, for the start-up log.
CAPABILITY_SETTINGS: dict[str, Capability] = {
    "PRISONTOPROBATION_SYNC_MATCHING": Capability.MATCHING,
    "PRISONTOPROBATION_SYNC_LOCATION": Capability.LOCATION,
    "PRISONTOPROBATION_SYNC_KEYDATES": Capability.KEY_DATES,
    "PRISONTOPROBATION_SYNC_MERGES": Capability.MERGES,
}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (default: os.environ); SettingsError naming every bad variable, proxy ones included."""
    source = os.environ if env is None else env
    values, problems = read_all(Settings, source)
    problems += _web_token_problems(values, source) + outbound_problems(source)
    if problems:
        raise SettingsError(problems)
    return Settings(**values)


def _web_token_problems(values: Mapping[str, object], env: Mapping[str, str]) -> list[str]:
    """With HMPPS_SQS_USE_WEB_TOKEN=true (IRSA) every AWS client takes boto3's default chain, as hmpps-sqs's
    SqsClientFactory; static keys would win over the web identity, so setting any is a problem."""
    if not values.get("use_web_token"):  # false, unset or malformed (read_all reports that)
        return []
    flag = f"{HMPPS_SQS}_USE_WEB_TOKEN"
    # boto3's own access key id and every key pair's (the `_keys` settings)
    static_keys = ["AWS_ACCESS_KEY_ID", *(spec.names[0] for _, spec, _ in specs(Settings) if spec.kind is KEY_PAIR)]
    problems = [f"{flag} and {name}: web-identity credentials and static keys both set"
                for name in static_keys if (env.get(name) or "").strip()]
    problems += [f"{name}: required when {flag}=true (IRSA sets it)"
                 for name in ("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE") if not (env.get(name) or "").strip()]
    return problems

