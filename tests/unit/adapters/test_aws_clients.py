"""Which endpoint each AWS client talks to (no call is made: boto3 builds clients offline)."""

from ptpu_adapters.aws.clients import AWS, LOCALSTACK, AwsEndpoints, make_clients


def test_an_emulator_serves_sns_beside_sqs_unless_told_otherwise() -> None:
    clients = make_clients(
        LOCALSTACK, "eu-west-2", endpoints=AwsEndpoints(sqs="http://127.0.0.1:4566", dynamodb="http://127.0.0.1:4567")
    )

    assert clients.sns.meta.endpoint_url == "http://127.0.0.1:4566"
    assert clients.dynamodb.meta.endpoint_url == "http://127.0.0.1:4567"


def test_sns_endpoint_url_points_sns_elsewhere() -> None:
    clients = make_clients(
        LOCALSTACK,
        "eu-west-2",
        endpoints=AwsEndpoints("http://127.0.0.1:4566", "http://127.0.0.1:4566", "http://127.0.0.1:4575"),
    )

    assert clients.sns.meta.endpoint_url == "http://127.0.0.1:4575"
    assert clients.sqs.meta.endpoint_url == "http://127.0.0.1:4566"


def test_real_aws_ignores_emulator_endpoints() -> None:
    clients = make_clients(AWS, "eu-west-2", endpoints=AwsEndpoints(sns="http://127.0.0.1:4575"))

    assert clients.sns.meta.endpoint_url == "https://sns.eu-west-2.amazonaws.com"
