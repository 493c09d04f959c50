from datetime import timedelta

import pytest
from required_settings import REQUIRED

from ptpu_adapters.aws.clients import AwsCredentials
from ptpu_core.errors import ConfigError
from ptpu_runtime.config import load_settings
from ptpu_runtime.config_kinds import SettingsError


def settings_with(**overrides: str | None):
    env = {**REQUIRED, **overrides}
    return load_settings({k: v for k, v in env.items() if v is not None})


def config_error(**overrides: str | None) -> str:
    with pytest.raises(ConfigError) as raised:
        settings_with(**overrides)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_defaults_follow_the_spec():
    settings = settings_with()
    assert settings.server_port == 8080
    assert settings.message_processor_delay == timedelta(milliseconds=1000)
    assert settings.message_processor_enabled is True
    assert settings.hold_back == timedelta(minutes=15)
    assert settings.dry_run is False
    assert settings.short_retry_cron == "0 0 * * * *"
    assert settings.medium_retry_cron == "0 15 */4 * * *"
    assert settings.long_retry_cron == "0 30 23 * * *"
    assert settings.sqs_queue_name == "prison_to_probation_queue"
    assert settings.sqs_dlq_name == "prison_to_probation_dlq"
    assert settings.aws_region == "eu-west-2"
    assert settings.aws_provider == "aws"
    assert settings.only_prisons == frozenset()
    assert settings.sqs_credentials is None


def test_values_are_read_and_typed():
    settings = settings_with(
        SERVER_PORT="9090",
        PRISONTOPROBATION_ONLY_PRISONS="MDI, LEI,,",
        PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY="10000",
        PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED="false",
        PRISONTOPROBATION_HOLD_BACK_DURATION="60m",
        PRISONTOPROBATION_DRY_RUN="TRUE",
        SQS_AWS_ACCESS_KEY_ID="key",
        SQS_AWS_SECRET_ACCESS_KEY="secret",
    )
    assert settings.server_port == 9090
    assert settings.only_prisons == {"MDI", "LEI"}
    assert settings.message_processor_delay == timedelta(seconds=10)
    assert settings.message_processor_enabled is False
    assert settings.hold_back == timedelta(hours=1)
    assert settings.dry_run is True
    assert settings.sqs_credentials == AwsCredentials("key", "secret")
    assert settings.community_endpoint_url == "http://community.local"
    assert settings.domain().only_prisons == {"MDI", "LEI"}
    assert settings.domain().hold_back == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500ms", timedelta(milliseconds=500)),
        ("3s", timedelta(seconds=3)),
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
        ("PT15M", timedelta(minutes=15)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1DT2S", timedelta(days=1, seconds=2)),
        ("250", timedelta(milliseconds=250)),
    ],
)
def test_durations_take_springs_forms(text, expected):
    assert settings_with(PRISONTOPROBATION_HOLD_BACK_DURATION=text).hold_back == expected


@pytest.mark.parametrize(
    "name",
    ["OAUTH_ENDPOINT_URL", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "PRISON_ENDPOINT_URL",
     "COMMUNITY_ENDPOINT_URL", "OFFENDER_SEARCH_ENDPOINT_URL", "DYNAMODB_TABLENAME", "DYNAMODB_SCHEDULE_TABLENAME"],
)
def test_a_missing_required_setting_is_named(name):
    assert config_error(**{name: None}) == f"{name}: required but not set"


@pytest.mark.parametrize("url", ["http://x", "http://prison-api", "https://prison-api:8443/base"])
def test_a_cluster_service_name_is_a_valid_endpoint(url):
    assert settings_with(PRISON_ENDPOINT_URL=url).prison_endpoint_url == url


def test_an_empty_required_setting_counts_as_missing_and_one_of_spaces_is_named_as_such():
    assert config_error(OAUTH_CLIENT_ID="") == "OAUTH_CLIENT_ID: required but not set"
    assert config_error(OAUTH_CLIENT_ID="  ") == "OAUTH_CLIENT_ID: set to only whitespace (give a value)"


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("SERVER_PORT", "eighty", "not a port number"),
        ("SERVER_PORT", "70000", "not a port number"),
        ("PRISON_ENDPOINT_URL", "prison.local", "not an http(s) URL"),
        ("PRISON_ENDPOINT_URL", "http://", "not an http(s) URL"),
        ("PRISON_ENDPOINT_URL", "ftp://prison-api", "not an http(s) URL"),
        ("PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY", "soon", "not a duration"),
        ("PRISONTOPROBATION_HOLD_BACK_DURATION", "15 minutes", "not a duration"),
        ("PRISONTOPROBATION_HOLD_BACK_DURATION", "-5m", "negative"),
        ("PRISONTOPROBATION_HOLD_BACK_DURATION", "30d", "not shorter than a record's lifetime (30d)"),
        ("PRISONTOPROBATION_HOLD_BACK_DURATION", "31d", "no record would ever be processed"),
        ("PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED", "maybe", "not true or false"),
        ("PRISONTOPROBATION_DRY_RUN", "yes please", "not true or false"),
        ("RETRY_SCHEDULES_SHORT_CRON", "0 * * * *", "needs 6"),
        ("RETRY_SCHEDULES_MEDIUM_CRON", "0 61 * * * *", "minute field: 61 is outside 0-59"),
        ("RETRY_SCHEDULES_LONG_CRON", "0 0 0 * * FUNDAY", "weekday field"),
        # Spring accepts these and never runs the job.
        ("RETRY_SCHEDULES_LONG_CRON", "0 0 0 30 2 *", "never fires: no date matches it"),
        ("RETRY_SCHEDULES_SHORT_CRON", "0 0 0 31 4,6,9,11 *", "never fires: no date matches it"),
        ("AWS_PROVIDER", "azure", "not one of aws, localstack"),
        ("SQS_LISTENER_WORKERS", "0", "not a positive whole number"),
        ("REPORTS_MAX_CONCURRENT", "0", "not a positive whole number"),
        ("SQS_LISTENER_WAIT_SECONDS", "30", "the SQS long-poll limit"),
        ("SQS_VISIBILITY_TIMEOUT", "0s", "from 1s to 12h"),
        ("SQS_VISIBILITY_TIMEOUT", "13h", "from 1s to 12h"),
        ("SQS_VISIBILITY_TIMEOUT", "later", "not a duration"),
        # Accepted, each would fail later or busy-loop.
        ("AWS_REGION", "eu west", "not an AWS region name"),
        ("OFFENDER_SEARCH_ENDPOINT_URL", "http://a b", "not an http(s) URL"),
        ("PRISON_ENDPOINT_URL", "http://prison-api:99999", "its port"),
        ("PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY", "0", "shorter than 100ms"),
        ("PRISONTOPROBATION_LOCK_AT_MOST", "0s", "shorter than 100ms"),
        ("HTTP_READ_TIMEOUT", "0s", "shorter than 100ms"),
        ("PRISONTOPROBATION_ONLY_PRISONS", "MDI,,lowercase, ", "not a prison code"),
    ],
)
def test_a_malformed_setting_is_named_with_the_problem(name, value, complaint):
    message = config_error(**{name: value})
    assert message.startswith(f"{name}: ")
    assert complaint in message


def test_the_visibility_timeout_outlasts_the_worst_case_handling_and_is_configurable():
    # SQS's own default of 30s is shorter than one message whose prison-api calls time out.
    assert settings_with().sqs_visibility_timeout == timedelta(minutes=5)
    assert settings_with(SQS_VISIBILITY_TIMEOUT="90s").sqs_visibility_timeout == timedelta(seconds=90)
    assert settings_with(SQS_VISIBILITY_TIMEOUT="PT2M").sqs_visibility_timeout == timedelta(minutes=2)


def test_reports_run_two_at_once_unless_configured():
    """REPORTS_MAX_CONCURRENT defaults to 2; a configured count replaces it."""
    assert settings_with().reports_max_concurrent == 2
    assert settings_with(REPORTS_MAX_CONCURRENT="5").reports_max_concurrent == 5


def test_localstack_needs_its_endpoints():
    message = config_error(AWS_PROVIDER="localstack", SQS_ENDPOINT_URL=None)
    assert message == (
        "SQS_ENDPOINT_URL (or HMPPS_SQS_LOCALSTACK_URL): required but not set; DYNAMODB_ENDPOINT: required but not set"
    )
    message = config_error(AWS_PROVIDER="localstack", SQS_ENDPOINT_URL="http://localhost:4566")
    assert message == "DYNAMODB_ENDPOINT: required but not set"
    settings = settings_with(
        AWS_PROVIDER="localstack", SQS_ENDPOINT_URL="http://localhost:4566", DYNAMODB_ENDPOINT="http://localhost:4566"
    )
    assert settings.emulated_aws
    assert settings.dynamodb_endpoint_url == "http://localhost:4566"


def test_half_a_key_pair_is_an_error_naming_the_missing_half():
    assert config_error(DYNAMODB_AWS_ACCESS_KEY_ID="key") == (
        "DYNAMODB_AWS_SECRET_ACCESS_KEY: required when DYNAMODB_AWS_ACCESS_KEY_ID is set"
    )
    assert config_error(SQS_AWS_DLQ_SECRET_ACCESS_KEY="secret") == (
        "SQS_AWS_DLQ_ACCESS_KEY_ID: required when SQS_AWS_DLQ_SECRET_ACCESS_KEY is set"
    )


def test_secrets_never_appear_in_repr_or_errors():
    settings = settings_with(SQS_AWS_ACCESS_KEY_ID="AKIAKEY", SQS_AWS_SECRET_ACCESS_KEY="topsecret",
                             APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=abc")
    text = repr(settings)
    for secret in ("s3cr3t-value", "topsecret", "AKIAKEY", "InstrumentationKey"):
        assert secret not in text
    message = config_error(DYNAMODB_AWS_SECRET_ACCESS_KEY="hidden-secret")
    assert "hidden-secret" not in message


def test_an_empty_environment_lists_every_required_setting_at_once():
    # One missing variable per run meant 8 runs to find 8.
    with pytest.raises(SettingsError) as raised:
        load_settings({})
    assert raised.value.problems == [f"{name}: required but not set" for name in (
        "OAUTH_ENDPOINT_URL", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "PRISON_ENDPOINT_URL",
        "COMMUNITY_ENDPOINT_URL", "OFFENDER_SEARCH_ENDPOINT_URL", "DYNAMODB_TABLENAME", "DYNAMODB_SCHEDULE_TABLENAME",
    )]


def test_missing_and_malformed_settings_are_reported_together_one_line_each():
    with pytest.raises(SettingsError) as raised:
        settings_with(OAUTH_CLIENT_ID=None, SERVER_PORT="eighty", RETRY_SCHEDULES_LONG_CRON="nightly",
                      DYNAMODB_AWS_ACCESS_KEY_ID="key", PRISONTOPROBATION_DRY_RUN="perhaps")
    problems = raised.value.problems
    assert [problem.split(":")[0] for problem in problems] == [
        "SERVER_PORT", "OAUTH_CLIENT_ID", "PRISONTOPROBATION_DRY_RUN", "RETRY_SCHEDULES_LONG_CRON",
        "DYNAMODB_AWS_SECRET_ACCESS_KEY",
    ]
    assert all("\n" not in problem for problem in problems)


def test_the_listen_address_is_a_setting_defaulting_to_every_interface():
    # The container listens on all interfaces, the sandbox on loopback only.
    assert settings_with().server_address == "0.0.0.0"
    assert settings_with(SERVER_ADDRESS="127.0.0.1").server_address == "127.0.0.1"
    assert settings_with(SERVER_ADDRESS="::").server_address == "::"
    assert config_error(SERVER_ADDRESS="http://x/") == "SERVER_ADDRESS: 'http://x/' is not an IP address or host name"


@pytest.mark.parametrize(("value", "codes"), [("MDI, LEI", {"MDI", "LEI"}), ("", set()), ("WWI", {"WWI"})])
def test_prison_codes_are_read_with_spaces_around_them(value, codes):
    assert settings_with(PRISONTOPROBATION_ONLY_PRISONS=value).only_prisons == frozenset(codes)


@pytest.mark.parametrize("region", ["eu-west-2", "us-gov-west-1", "ap-southeast-3"])
def test_real_region_names_are_accepted(region):
    assert settings_with(AWS_REGION=region).aws_region == region
