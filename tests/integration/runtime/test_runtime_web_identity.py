"""IRSA: with HMPPS_SQS_USE_WEB_TOKEN=true every AWS client the service builds takes its credentials from STS
AssumeRoleWithWebIdentity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE), as hmpps-sqs's clients take the SDK's
default provider. The emulator (moto server) answers STS, SQS, SNS and DynamoDB; boto3 reaches
it through AWS_ENDPOINT_URL, so the service's own code path is the real-AWS one (provider `aws`).
"""

from pathlib import Path

import pytest

from ptpu_runtime.config import load_settings
from ptpu_runtime.config_kinds import SettingsError
from ptpu_runtime.wiring.aws import aws_clients

REQUIRED = {
    "OAUTH_ENDPOINT_URL": "http://auth.local/auth", "OAUTH_CLIENT_ID": "ptpu-client",
    "OAUTH_CLIENT_SECRET": "s3cr3t-value", "PRISON_ENDPOINT_URL": "http://prison.local",
    "COMMUNITY_ENDPOINT_URL": "http://community.local", "OFFENDER_SEARCH_ENDPOINT_URL": "https://search.local",
    "DYNAMODB_TABLENAME": "messages", "DYNAMODB_SCHEDULE_TABLENAME": "schedule",
}
ROLE = "arn:aws:iam::123456789012:role/prison-to-probation-update"


@pytest.fixture
def irsa_environment(aws_emulator, monkeypatch, tmp_path: Path) -> dict[str, str]:
    """What EKS injects for a service account with an IAM role, and nothing else that could give keys."""
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cHRwdSJ9.c2ln", encoding="utf-8")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    irsa = {"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": str(token)}
    for name, value in {**irsa, "AWS_ENDPOINT_URL": aws_emulator.endpoint_url,
                        "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    return irsa


def test_every_aws_client_uses_the_web_identity_role(irsa_environment):
    settings = load_settings({**REQUIRED, **irsa_environment, "HMPPS_SQS_USE_WEB_TOKEN": "true"})
    clients = aws_clients(settings)
    named = {"sqs": clients.sqs, "dlq_sqs": clients.dlq_sqs, "sns": clients.sns,
             "dynamodb": clients.dynamodb, "schedule_dynamodb": clients.schedule_dynamodb}
    for name, client in named.items():
        credentials = client._request_signer._credentials  # noqa: SLF001 - which provider answered
        assert credentials.method == "assume-role-with-web-identity", name
        frozen = credentials.get_frozen_credentials()
        assert frozen.access_key.startswith("ASIA") and frozen.token, name  # temporary STS credentials
    # And the emulator accepts them for a real call on each service.
    assert "QueueUrls" not in clients.sqs.list_queues(QueueNamePrefix="no-such-ptpu-queue")
    assert isinstance(clients.sns.list_topics()["Topics"], list)
    assert isinstance(clients.dynamodb.list_tables()["TableNames"], list)


def test_static_keys_beside_the_web_token_stop_start_up_before_any_client_is_built(irsa_environment):
    with pytest.raises(SettingsError) as raised:
        load_settings({**REQUIRED, **irsa_environment, "HMPPS_SQS_USE_WEB_TOKEN": "true",
                       "SQS_AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "SQS_AWS_SECRET_ACCESS_KEY": "secret"})
    assert raised.value.problems == [
        "HMPPS_SQS_USE_WEB_TOKEN and SQS_AWS_ACCESS_KEY_ID: web-identity credentials and static keys both set"
    ]
