"""`ptpu table backfill` end to end on the AWS emulator: the service's environment, a progress bar on
stderr, the summary on stdout, and exit codes."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_runtime.cli import main
from ptpu_sandbox.emulator import AwsResourceNames, MotoEmulator, provision

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "aws"))
from existing_service_items import old_items, put_all  # noqa: E402

NOW = datetime(2026, 11, 29, 12, 0)


@pytest.fixture
def table(aws_emulator: MotoEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    suffix = uuid.uuid4().hex[:8]
    names = AwsResourceNames(queue=f"q-{suffix}", dlq=f"d-{suffix}", topic=f"t-{suffix}",
                             message_table=f"messages-{suffix}", schedule_table=f"schedule-{suffix}")
    provision(aws_emulator.clients(), names)
    env = {
        "AWS_PROVIDER": "localstack", "SQS_ENDPOINT_URL": aws_emulator.endpoint_url,
        "DYNAMODB_ENDPOINT": aws_emulator.endpoint_url, "DYNAMODB_TABLENAME": names.message_table,
        "DYNAMODB_SCHEDULE_TABLENAME": names.schedule_table, "OAUTH_ENDPOINT_URL": "http://127.0.0.1:9/auth",
        "OAUTH_CLIENT_ID": "client", "OAUTH_CLIENT_SECRET": "secret", "PRISON_ENDPOINT_URL": "http://127.0.0.1:9",
        "COMMUNITY_ENDPOINT_URL": "http://127.0.0.1:9", "OFFENDER_SEARCH_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return names.message_table


def summary_lines(text: str) -> dict[str, str]:
    return dict(line.strip().split(":", 1) for line in text.splitlines()[1:] if ":" in line)


def test_dry_run_then_backfill_then_nothing_left(
    table: str, aws_clients: AwsClients, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put_all(aws_clients.dynamodb, table, old_items(30, NOW))
    checkpoint = str(tmp_path / "checkpoint.json")

    assert main(["table", "backfill", "--dry-run", "--checkpoint", checkpoint]) == 0
    dry = capsys.readouterr()
    assert "dry run: nothing written" in dry.out
    assert summary_lines(dry.out)["would index, pending"].strip() == "12"
    assert summary_lines(dry.out)["would index, processed"].strip() == "18"
    assert "30/" in dry.err or "30it" in dry.err or "30 item" in dry.err  # the progress bar

    assert main(["table", "backfill", "--segments", "3", "--max-items-per-second", "1000",
                 "--checkpoint", checkpoint, "--no-progress"]) == 0
    done = capsys.readouterr()
    assert summary_lines(done.out)["indexed, pending"].strip() == "12"
    assert "MATCHED" in summary_lines(done.out)["indexed, by status"]
    assert done.err == ""

    assert main(["table", "backfill", "--checkpoint", checkpoint, "--no-progress"]) == 0
    again = summary_lines(capsys.readouterr().out)
    assert (again["already indexed"].strip(), again["indexed, pending"].strip()) == ("30", "0")


def test_a_table_without_the_indexes_is_a_one_line_refusal(
    table: str, aws_clients: AwsClients, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = f"bare-{uuid.uuid4().hex[:8]}"
    aws_clients.dynamodb.create_table(
        TableName=bare, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    monkeypatch.setenv("DYNAMODB_TABLENAME", bare)

    assert main(["table", "backfill", "--no-progress"]) == 2
    assert "lacks the indexes pending-index" in capsys.readouterr().err


def test_bad_options_are_usage_errors() -> None:
    for argv in (["--segments", "0"], ["--max-items-per-second", "0"], ["--page-size", "-1"]):
        with pytest.raises(SystemExit) as exited:
            main(["table", "backfill", *argv])
        assert exited.value.code == 2
