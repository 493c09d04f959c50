"""The copy-paste AWS CLI block that `ptpu sandbox` prints: the existing service's scripts
against the sandbox's emulator, unchanged.

HMPPS's localstack scripts (prison-offender-events' create-*-messages.bash and the existing service's own)
publish with `aws --endpoint-url=http://localhost:4566 sns publish --topic-arn
arn:aws:sns:eu-west-2:000000000000:offender_events --message-attributes '{"eventType": ...}' --message
'{event JSON}'`. The emulator answers as account 000000000000 (emulator.py), so that ARN is right here.

Sending to the queue directly: the listener reads SNS notifications (SPEC §3). A bare event body is not
one, so it is left unhandled and reaches the DLQ after the redrive count; the block shows the envelope.
"""

from __future__ import annotations

import json
import shlex

# A real NOMIS event, as captured by the existing service's tests (the `Message` of
# tests/fixtures/original-2021/messages/imprisonmentStatusChanged.json): booking 1200835 is the sandbox's
# new-conviction prisoner, so publishing it ends COMPLETED with Delius updated.
SAMPLE_EVENT_TYPE = "IMPRISONMENT_STATUS-CHANGED"
SAMPLE_EVENT = (
    '{"eventType":"IMPRISONMENT_STATUS-CHANGED","eventDatetime":"2020-02-12T15:14:24.125533",'
    '"bookingId":1200835,"nomisEventType":"OFF_IMP_STAT_OASYS"}'
)
DUMMY_KEY = "test"  # an emulator accepts any keys; the CLI insists on having some


def sns_attributes(event_type: str) -> str:
    """`--message-attributes` for `sns publish`: the eventType the subscription filter routes on."""
    return json.dumps({"eventType": {"DataType": "String", "StringValue": event_type}}, separators=(",", ":"))


def sns_envelope(event_json: str, event_type: str) -> str:
    """The body SNS delivers to a raw-message-delivery-off SQS subscription: what the listener reads."""
    envelope = {
        "Type": "Notification",
        "Message": event_json,
        "MessageAttributes": {"eventType": {"Type": "String", "Value": event_type}},
    }
    return json.dumps(envelope, separators=(",", ":"))


def aws_cli_block(endpoint_url: str, region: str, topic_arn: str, queue_url: str, indent: str = "  ") -> str:
    """Lines to paste into a shell: environment, an `sns publish` of SAMPLE_EVENT, and the SQS form.

    `endpoint_url`: the emulator (loopback names shown as localhost, as the HMPPS scripts write them)."""
    endpoint = endpoint_url.replace("127.0.0.1", "localhost")
    queue = queue_url.replace("127.0.0.1", "localhost")
    lines = [
        f"export AWS_DEFAULT_REGION={region} AWS_ACCESS_KEY_ID={DUMMY_KEY} AWS_SECRET_ACCESS_KEY={DUMMY_KEY}",
        f"aws --endpoint-url={endpoint} sns publish \\",
        f"    --topic-arn {topic_arn} \\",
        f"    --message-attributes {shlex.quote(sns_attributes(SAMPLE_EVENT_TYPE))} \\",
        f"    --message {shlex.quote(SAMPLE_EVENT)}",
        "# Straight onto the queue, send the SNS envelope: a bare event body is not handled and goes to the DLQ.",
        f"aws --endpoint-url={endpoint} sqs send-message --queue-url {queue} \\",
        f"    --message-body {shlex.quote(sns_envelope(SAMPLE_EVENT, SAMPLE_EVENT_TYPE))}",
    ]
    return "\n".join(indent + line for line in lines)
