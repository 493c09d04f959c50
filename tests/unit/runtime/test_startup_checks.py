"""How each AWS client error at start-up reads; the live cases are in tests/integration/runtime."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from ptpu_core.errors import ConfigError
from ptpu_runtime.startup_checks import explained

CLIENT = SimpleNamespace(meta=SimpleNamespace(endpoint_url="https://dynamodb.eu-west-2.amazonaws.com"))


def failing_with(code: str) -> str:
    with pytest.raises(ConfigError) as raised, explained(
        "DynamoDB", CLIENT, "DYNAMODB_AWS", "AWS_REGION", ("DYNAMODB_TABLENAME", "messages")
    ):
        raise ClientError({"Error": {"Code": code, "Message": "long AWS text"}}, "DescribeTable")
    return str(raised.value)


@pytest.mark.parametrize("code", ["UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"])
def test_rejected_credentials_name_the_key_settings_and_the_endpoint(code):
    assert failing_with(code) == (
        "DYNAMODB_AWS_ACCESS_KEY_ID/DYNAMODB_AWS_SECRET_ACCESS_KEY: DynamoDB at "
        f"https://dynamodb.eu-west-2.amazonaws.com rejected the credentials ({code})"
    )


def test_a_denied_permission_names_the_key_settings_and_the_endpoint():
    assert failing_with("AccessDeniedException") == (
        "DYNAMODB_AWS_ACCESS_KEY_ID/DYNAMODB_AWS_SECRET_ACCESS_KEY: not permitted by DynamoDB at "
        "https://dynamodb.eu-west-2.amazonaws.com (AccessDeniedException)"
    )


def test_a_missing_table_names_its_setting():
    assert failing_with("ResourceNotFoundException") == (
        "DYNAMODB_TABLENAME: table 'messages' not found at https://dynamodb.eu-west-2.amazonaws.com"
    )


def test_any_other_error_is_left_alone():
    with pytest.raises(ClientError), explained("DynamoDB", CLIENT, "DYNAMODB_AWS", "AWS_REGION"):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "DescribeTable")
