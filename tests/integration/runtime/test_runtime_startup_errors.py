"""An AWS failure at start-up is one line naming the setting and the endpoint, exit 2.

Missing credentials and an unreachable AWS endpoint are each one line, not a botocore traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from ptpu_adapters.aws.clients import LOCALSTACK, make_clients
from ptpu_runtime.cli import Service
from ptpu_runtime.config import EXIT_CONFIG, load_settings
from ptpu_runtime.container import Container
from ptpu_sandbox.ports import free_port

BASE_ENV = {
    "OAUTH_ENDPOINT_URL": "http://127.0.0.1:9/auth",
    "OAUTH_CLIENT_ID": "client",
    "OAUTH_CLIENT_SECRET": "secret",
    "PRISON_ENDPOINT_URL": "http://127.0.0.1:9/prison",
    "COMMUNITY_ENDPOINT_URL": "http://127.0.0.1:9/community",
    "OFFENDER_SEARCH_ENDPOINT_URL": "http://127.0.0.1:9/search",
    "DYNAMODB_TABLENAME": "messages",
    "DYNAMODB_SCHEDULE_TABLENAME": "schedule",
}


def serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.lower().endswith("_proxy")}
    return subprocess.run(
        # A free port, never the default 8080 that another process on the machine may hold.
        [sys.executable, "-m", "ptpu_runtime", "serve"], env={**clean, "SERVER_PORT": str(free_port()), **env},
        capture_output=True, text=True, timeout=120,
    )


def test_an_unreachable_aws_endpoint_is_one_line_naming_the_setting_and_the_endpoint():
    closed = free_port()
    url = f"http://127.0.0.1:{closed}"
    result = serve({**BASE_ENV, "AWS_PROVIDER": "localstack", "SQS_ENDPOINT_URL": url, "DYNAMODB_ENDPOINT": url})
    assert result.returncode == EXIT_CONFIG
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: SQS_ENDPOINT_URL: cannot reach SQS at {url}")
    assert "Traceback" not in result.stderr + result.stdout


def test_an_aws_proxy_that_cannot_be_reached_is_one_line_without_its_password():
    # A well-formed proxy on a closed port: one line, not a botocore traceback.
    endpoint = f"http://127.0.0.1:{free_port()}"
    proxy_port = free_port()
    result = serve({**BASE_ENV, "AWS_PROVIDER": "localstack", "SQS_ENDPOINT_URL": endpoint,
                    "DYNAMODB_ENDPOINT": endpoint, "HTTP_PROXY": f"http://bob:s3cret@127.0.0.1:{proxy_port}"})
    assert result.returncode == EXIT_CONFIG
    assert result.stderr == (
        f"Configuration error: HTTP_PROXY/NO_PROXY: cannot reach SQS at {endpoint} through the proxy"
        f" http://******@127.0.0.1:{proxy_port} (ProxyConnectionError)\n"
    )
    assert "s3cret" not in result.stdout


def test_missing_aws_credentials_are_one_line_naming_the_key_settings():
    # No keys, no profile, no instance metadata: botocore gives up before any request leaves the machine.
    result = serve({**BASE_ENV, "AWS_EC2_METADATA_DISABLED": "true", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                    "AWS_CONFIG_FILE": "/nonexistent"})
    assert result.returncode == EXIT_CONFIG
    assert result.stderr.splitlines() == [
        "Configuration error: SQS_AWS_ACCESS_KEY_ID/SQS_AWS_SECRET_ACCESS_KEY: no AWS credentials for SQS at "
        "https://sqs.eu-west-2.amazonaws.com (set them, or give the pod a role)"
    ]


def in_process_env(**settings: str) -> dict[str, str]:
    """BASE_ENV for a Service run in this process: on a free port, never the default 8080 (the listen check
    comes first, so a held 8080 would end the run before the check each test is about)."""
    return {**BASE_ENV, "SERVER_PORT": str(free_port()), **settings}


def test_a_missing_table_at_start_up_is_one_line_naming_the_table_setting(aws_emulator, capsys):
    env = in_process_env(SQS_QUEUE_NAME="startup-queue", SQS_DLQ_NAME="startup-dlq",
                         DYNAMODB_TABLENAME="no-such-table")
    container = Container(settings=load_settings(env))  # AWS_PROVIDER=aws: nothing is created
    clients = make_clients(LOCALSTACK, "eu-west-2", endpoint_url=aws_emulator.endpoint_url)
    for name in ("startup-queue", "startup-dlq"):
        clients.sqs.create_queue(QueueName=name)
    container.aws.override(clients)
    outcome: list[int] = []
    thread = threading.Thread(target=lambda: outcome.append(Service(container.settings(), container).run()))
    thread.start()
    thread.join(timeout=60)
    assert outcome == [EXIT_CONFIG]
    assert capsys.readouterr().err == (
        f"Configuration error: DYNAMODB_TABLENAME: table 'no-such-table' not found at {aws_emulator.endpoint_url}\n"
    )


def test_a_domain_event_topic_that_does_not_exist_is_one_line_naming_its_setting(aws_emulator, capsys):
    """A wrong topic ARN stops start-up (hmpps-sqs checks its topics with GetTopicAttributes), not every publish."""
    missing = "arn:aws:sns:eu-west-2:000000000000:does-not-exist"
    env = in_process_env(SQS_QUEUE_NAME="startup-queue-t", SQS_DLQ_NAME="startup-dlq-t",
                         DYNAMODB_TABLENAME="startup-messages-t", DYNAMODB_SCHEDULE_TABLENAME="startup-schedule-t",
                         HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN=missing)
    container = Container(settings=load_settings(env))
    clients = make_clients(LOCALSTACK, "eu-west-2", endpoint_url=aws_emulator.endpoint_url)
    for name in ("startup-queue-t", "startup-dlq-t"):
        clients.sqs.create_queue(QueueName=name)
    for table in ("startup-messages-t", "startup-schedule-t"):
        clients.dynamodb.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
    container.aws.override(clients)
    outcome: list[int] = []
    thread = threading.Thread(target=lambda: outcome.append(Service(container.settings(), container).run()))
    thread.start()
    thread.join(timeout=60)
    assert outcome == [EXIT_CONFIG]
    assert capsys.readouterr().err == (
        f"Configuration error: HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN: topic '{missing}' not found at "
        f"{aws_emulator.endpoint_url}\n"
    )
