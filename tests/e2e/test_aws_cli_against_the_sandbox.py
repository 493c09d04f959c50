"""The AWS CLI block the sandbox's banner prints, run with the real AWS CLI against the running stack:
the existing service's localstack scripts work unchanged against the emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.helpers import records_for, wait_for, wait_for_final_record
from ptpu_sandbox.aws_cli import SAMPLE_EVENT
from ptpu_sandbox.banner import ServiceMode, banner
from ptpu_sandbox.stack import LocalStack

BIN = Path(sys.executable).parent
AWS = shutil.which("aws", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
pytestmark = pytest.mark.skipif(AWS is None, reason="no `aws` binary (the [test] extra installs awscli)")
FIXTURE = Path(__file__).parents[1] / "fixtures" / "original-2021" / "messages" / "imprisonmentStatusChanged.json"
BOOKING = 1200835  # the sample event's booking: the sandbox's new-conviction prisoner
LIVE = ServiceMode("LIVE: writes to (simulated) Delius", processing=True)


def cli_block(stack: LocalStack) -> tuple[str, str]:
    """The banner's AWS CLI block as printed, split into its SNS part and its SQS part."""
    text = banner(stack, "2s", LIVE)
    block = text.split("Or with the AWS CLI", 1)[1].split("\n", 1)[1]
    sns_part, sqs_part = block.split("# Straight onto the queue", 1)
    export = sns_part.strip().splitlines()[0]
    return sns_part, export + "\n" + sqs_part.split("\n", 1)[1]


def run_shell(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`script` in bash with the CLI on PATH and no AWS settings from this machine (only the block's)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env |= {"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    return subprocess.run(["bash", "-euc", script], env=env, capture_output=True, text=True, timeout=60)


def dlq_depth(stack: LocalStack) -> int:
    attributes = stack.aws.sqs.get_queue_attributes(
        QueueUrl=stack.resources.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_the_emulator_answers_as_localstacks_account(stack: LocalStack) -> None:
    assert stack.topic_arn == "arn:aws:sns:eu-west-2:000000000000:offender_events"
    assert "/000000000000/prison_to_probation_queue" in stack.resources.queue_url
    assert "region eu-west-2, account 000000000000" in banner(stack, "2s", LIVE)


def test_the_sample_event_is_the_real_captured_nomis_event() -> None:
    assert json.loads(FIXTURE.read_text())["Message"] == SAMPLE_EVENT


def test_the_banners_sns_publish_is_processed_to_completion(stack: LocalStack, tmp_path: Path) -> None:
    sns_part, _ = cli_block(stack)
    assert "--topic-arn arn:aws:sns:eu-west-2:000000000000:offender_events" in sns_part

    published = run_shell(sns_part, tmp_path)

    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout)["MessageId"]
    record = wait_for_final_record(stack, BOOKING, "COMPLETED")
    assert record.event_type == "IMPRISONMENT_STATUS-CHANGED"
    offender = stack.hmpps.community.offender("X142620")  # the simulated Delius now carries the NOMS number
    assert offender is not None and offender["otherIds"]["nomsNumber"] == "A5089DY"


def test_the_existing_services_script_form_works_unchanged(stack: LocalStack, tmp_path: Path) -> None:
    # The form of HMPPS's create-*-messages.bash scripts, spaces in the attribute JSON and all.
    endpoint = stack.emulator_url.replace("127.0.0.1", "localhost")
    script = (
        "export AWS_DEFAULT_REGION=eu-west-2 AWS_ACCESS_KEY_ID=foobar AWS_SECRET_ACCESS_KEY=foobar\n"
        f"aws --endpoint-url={endpoint} sns publish "
        "--topic-arn arn:aws:sns:eu-west-2:000000000000:offender_events "
        """--message-attributes '{"eventType" : { "DataType":"String", "StringValue":"BOOKING_NUMBER-CHANGED"}}' """
        """--message '{"eventType":"BOOKING_NUMBER-CHANGED","bookingId":1200842}'"""
    )

    published = run_shell(script, tmp_path)

    assert published.returncode == 0, published.stderr
    wait_for_final_record(stack, 1200842, "COMPLETED")


def test_the_sns_envelope_sent_straight_to_the_queue_is_handled(stack: LocalStack, tmp_path: Path) -> None:
    _, sqs_part = cli_block(stack)
    before = len(records_for(stack, BOOKING))

    sent = run_shell(sqs_part, tmp_path)

    assert sent.returncode == 0, sent.stderr
    wait_for("the envelope's record", lambda: len(records_for(stack, BOOKING)) > before)
    assert dlq_depth(stack) == 0


def test_a_bare_event_body_sent_to_the_queue_goes_to_the_dlq(stack: LocalStack, tmp_path: Path) -> None:
    # What the banner warns about: `sqs send-message` with the event itself, not its SNS envelope.
    _, sqs_part = cli_block(stack)
    export = sqs_part.splitlines()[0]
    script = (
        f"{export}\naws --endpoint-url={stack.emulator_url} sqs send-message "
        f"--queue-url {stack.resources.queue_url} --message-body '{SAMPLE_EVENT}'"
    )
    assert dlq_depth(stack) == 0

    assert run_shell(script, tmp_path).returncode == 0

    wait_for("the bare body on the DLQ", lambda: dlq_depth(stack) == 1, timeout=60)
