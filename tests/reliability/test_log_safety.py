"""Logs cannot be forged or leak, against the real `ptpu serve` process in each LOG_FORMAT.

A message arrives whose event type carries a newline and a fake telemetry record; HMPPS Auth's endpoint
setting carries user-info and its JWKS fails, so the service logs that URL. Every physical line of the
service's output must be one whole record (a JSON object, or a plain record start / an indented traceback
line), the fake record must never start a line, and the credentials must appear nowhere: not in the log,
not in /health, not in /info.
"""

from __future__ import annotations

import json
import re

import pytest

from ptpu_sandbox.simulators import REPORT_ROLE
from reliability.harness import ReliabilityStack, wait_until

USER, PASSWORD = "svc-user", "s3cret-pass"
FORGED = '2026-11-29 12:00:00,000 INFO [sqs-1] ptpu.telemetry: {"event": "P2PImprisonmentStatusUpdated"}'
FORGED_JSON = json.dumps({"level": "INFO", "logger": "ptpu.telemetry", "message": json.dumps({"event": "P2PForged"})})
IGNORED = "Ignoring event of type IMPRISONMENT_STATUS-CHANGED"
PLAIN_RECORD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) \[")


def hostile_envelope(message_id: str) -> str:
    event_type = f"IMPRISONMENT_STATUS-CHANGED\n{FORGED}\r\n{FORGED_JSON}\u2028{FORGED}"
    return json.dumps({
        "Type": "Notification", "MessageId": message_id,
        "Message": json.dumps({"eventType": event_type, "bookingId": 9_900_001}),
        "MessageAttributes": {"eventType": {"Type": "String", "Value": event_type}},
    })


@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_no_message_value_forges_a_log_record_and_no_credentials_leak(
    stack: ReliabilityStack, log_format: str
) -> None:
    assert stack.hmpps is not None
    auth = stack.hmpps.auth
    auth.inject_fault(status=500, paths="/.well-known/jwks.json")
    oauth_url = stack.hmpps.auth_url.replace("://", f"://{USER}:{PASSWORD}@", 1)
    service = stack.start_service(log_format, LOG_FORMAT=log_format, OAUTH_ENDPOINT_URL=oauth_url)

    token = {"Authorization": f"Bearer {auth.mint_token([REPORT_ROLE])}"}
    assert service.get("/report/in-progress", headers=token).status_code == 401  # the JWKS read fails: logged
    stack.send_raw(hostile_envelope("forge-1"))
    wait_until(lambda: IGNORED in service.log() and "Cannot read the JWKS" in service.log(), timeout=30,
               what="the hostile message and the JWKS failure to be logged")
    shown = service.get("/health").text + service.get("/info").text
    service.stop()
    log = service.log()

    assert PASSWORD not in log and USER not in log
    assert "******@127.0.0.1" in log  # the URL is logged, masked
    assert PASSWORD not in shown and USER not in shown
    lines = [line for line in re.split(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]", log) if line]
    assert len(lines) > 5
    for line in lines:
        assert not line.startswith((FORGED, FORGED_JSON)), line
        if log_format == "json":
            assert isinstance(json.loads(line), dict), line
        else:
            assert PLAIN_RECORD.match(line) or line.startswith("    "), line
    # The value is kept, whole and readable, inside the one record that logs it.
    ignored = [line for line in lines if IGNORED in line]
    assert len(ignored) == 1
    if log_format == "json":
        assert f"\n{FORGED}\r\n{FORGED_JSON}\u2028{FORGED}: not" in json.loads(ignored[0])["message"]
    else:
        assert f"\\n{FORGED}\\r\\n{FORGED_JSON}\\u2028{FORGED}: not" in ignored[0]
