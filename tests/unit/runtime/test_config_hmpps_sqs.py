"""The hmpps-sqs environment names, accepted beside the 2021 ones.

Names checked against ministryofjustice/hmpps-spring-boot-sqs (HmppsSqsProperties under `hmpps.sqs`:
provider, region, localstackUrl, queues.<id>.queueName/dlqName, topics.<id>.arn, useWebToken) and the
existing service's helm values (queue id `prisoneventqueue`, topic id `domaineventtopic`).
"""

import pytest
from required_settings import REQUIRED

from ptpu_runtime.config import KEY_PAIR, Settings, load_settings
from ptpu_runtime.config_kinds import SettingsError, specs


def settings_with(**overrides: str | None) -> Settings:
    env = {**REQUIRED, **overrides}
    return load_settings({key: value for key, value in env.items() if value is not None})

TOPIC = "arn:aws:sns:eu-west-2:000000000000:hmpps-domain-events"
IRSA = {"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ptpu", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token"}

# (2021 name, hmpps-sqs name, Settings field, a value, the value as read)
ALIASES = [
    ("SQS_QUEUE_NAME", "HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_QUEUE_NAME", "sqs_queue_name", "ptpu-events", "ptpu-events"),
    ("SQS_DLQ_NAME", "HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_DLQ_NAME", "sqs_dlq_name", "ptpu-dlq", "ptpu-dlq"),
    ("AWS_PROVIDER", "HMPPS_SQS_PROVIDER", "aws_provider", "localstack", "localstack"),
    ("AWS_REGION", "HMPPS_SQS_REGION", "aws_region", "eu-west-1", "eu-west-1"),
    ("SQS_ENDPOINT_URL", "HMPPS_SQS_LOCALSTACK_URL", "sqs_endpoint_url", "http://localstack:4566/",
     "http://localstack:4566"),
]


def _with(env: dict[str, str]):
    # localstack needs its endpoints: give them unless the test sets one, so the names under test decide.
    endpoints = {"DYNAMODB_ENDPOINT": "http://localstack:4566"}
    if "SQS_ENDPOINT_URL" not in env and "HMPPS_SQS_LOCALSTACK_URL" not in env:
        endpoints["SQS_ENDPOINT_URL"] = "http://localstack:4566"
    return settings_with(**endpoints, **env)


@pytest.mark.parametrize(("old", "new", "field", "value", "read"), ALIASES)
def test_each_hmpps_sqs_name_sets_the_same_setting_as_the_2021_name(old, new, field, value, read):
    from_new = _with({new: value})
    from_old = _with({old: value})
    assert getattr(from_new, field) == read
    assert getattr(from_old, field) == read


@pytest.mark.parametrize(("old", "new", "field", "value", "read"), ALIASES)
def test_both_names_with_the_same_value_are_accepted(old, new, field, value, read):
    assert getattr(_with({old: value, new: value}), field) == read


def test_equal_means_equal_as_read_not_as_typed():
    # "AWS" and "aws" are the same provider; a trailing slash is the same endpoint.
    settings = settings_with(AWS_PROVIDER="AWS", HMPPS_SQS_PROVIDER="aws",
                             SQS_ENDPOINT_URL="http://localstack:4566/", HMPPS_SQS_LOCALSTACK_URL="http://localstack:4566")
    assert (settings.aws_provider, settings.sqs_endpoint_url) == ("aws", "http://localstack:4566")


@pytest.mark.parametrize(("old", "new", "field", "value", "read"), ALIASES)
def test_both_names_with_different_values_is_an_error_naming_both(old, new, field, value, read):
    if value == "localstack":
        other = "aws"
    elif value.startswith("http"):
        other = "http://other:4566"
    else:
        other = "eu-north-1" if new.endswith("_REGION") else "other"
    with pytest.raises(SettingsError) as raised:
        _with({old: other, new: value})
    problem = next(line for line in raised.value.problems if old in line)
    assert problem.startswith(f"{old} and {new}: the same setting given different values")


def test_a_conflict_is_listed_with_the_other_problems():
    with pytest.raises(SettingsError) as raised:
        settings_with(OAUTH_CLIENT_ID=None, SQS_QUEUE_NAME="a", HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_QUEUE_NAME="b",
                      SERVER_PORT="0")
    assert raised.value.problems == [
        "SERVER_PORT: '0' is not a port number (1-65535)",
        "OAUTH_CLIENT_ID: required but not set",
        "SQS_QUEUE_NAME and HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_QUEUE_NAME: the same setting given different values "
        "(a vs b)",
    ]


def test_a_malformed_alias_is_named_by_the_name_that_was_set():
    with pytest.raises(SettingsError) as raised:
        settings_with(HMPPS_SQS_PROVIDER="azure")
    assert raised.value.problems == ["HMPPS_SQS_PROVIDER: 'azure' is not one of aws, localstack"]


def test_the_localstack_endpoint_may_be_given_by_its_hmpps_sqs_name():
    settings = settings_with(HMPPS_SQS_PROVIDER="localstack", HMPPS_SQS_LOCALSTACK_URL="http://localstack:4566",
                             DYNAMODB_ENDPOINT="http://localstack:4566")
    assert settings.emulated_aws and settings.sqs_endpoint_url == "http://localstack:4566"
    with pytest.raises(SettingsError) as raised:
        settings_with(HMPPS_SQS_PROVIDER="localstack", DYNAMODB_ENDPOINT="http://localstack:4566")
    assert raised.value.problems == ["SQS_ENDPOINT_URL (or HMPPS_SQS_LOCALSTACK_URL): required but not set"]


def test_the_domain_event_topic_is_optional_and_must_be_an_sns_arn():
    assert settings_with().domain_event_topic_arn is None
    assert settings_with(HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN=TOPIC).domain_event_topic_arn == TOPIC
    with pytest.raises(SettingsError) as raised:
        settings_with(HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN="hmpps-domain-events")
    assert raised.value.problems == [
        "HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN: 'hmpps-domain-events' is not an SNS topic ARN "
        "(arn:aws:sns:REGION:ACCOUNT:NAME)"
    ]


def test_web_token_defaults_off_and_with_irsa_leaves_every_client_on_the_default_chain():
    assert settings_with().use_web_token is False
    settings = settings_with(HMPPS_SQS_USE_WEB_TOKEN="true", **IRSA)
    assert settings.use_web_token is True
    assert (settings.sqs_credentials, settings.dlq_credentials, settings.dynamodb_credentials,
            settings.schedule_credentials) == (None, None, None, None)


# boto3's own access key id and every key pair setting's, as Settings declares them: a new one must be refused too.
STATIC_KEYS = ["AWS_ACCESS_KEY_ID", *(spec.names[0] for _, spec, _ in specs(Settings) if spec.kind is KEY_PAIR)]


@pytest.mark.parametrize("key", STATIC_KEYS)
def test_web_token_with_static_keys_is_an_error_naming_both(key):
    secret = key.replace("ACCESS_KEY_ID", "SECRET_ACCESS_KEY")
    with pytest.raises(SettingsError) as raised:
        settings_with(HMPPS_SQS_USE_WEB_TOKEN="true", **IRSA, **{key: "AKIAEXAMPLE", secret: "not-shown"})
    assert raised.value.problems == [
        f"HMPPS_SQS_USE_WEB_TOKEN and {key}: web-identity credentials and static keys both set"
    ]
    assert "not-shown" not in str(raised.value)


def test_web_token_without_the_irsa_variables_names_them():
    with pytest.raises(SettingsError) as raised:
        settings_with(HMPPS_SQS_USE_WEB_TOKEN="true")
    assert raised.value.problems == [
        "AWS_ROLE_ARN: required when HMPPS_SQS_USE_WEB_TOKEN=true (IRSA sets it)",
        "AWS_WEB_IDENTITY_TOKEN_FILE: required when HMPPS_SQS_USE_WEB_TOKEN=true (IRSA sets it)",
    ]


def test_static_keys_without_web_token_are_still_accepted():
    settings = settings_with(SQS_AWS_ACCESS_KEY_ID="AKIAEXAMPLE", SQS_AWS_SECRET_ACCESS_KEY="secret")
    assert settings.sqs_credentials is not None and settings.use_web_token is False
