"""What `ptpu sandbox` prints once the stack is up: the running service's mode (from its GET /info) and where
everything is, with the commands to try it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.request import urlopen

from attrs import frozen

from ptpu_runtime.health_checks import switched_off
from ptpu_sandbox.aws_cli import aws_cli_block
from ptpu_sandbox.ports import StackPorts
from ptpu_sandbox.simulators.auth import DEFAULT_CLIENTS
from ptpu_sandbox.simulators.seed import SCENARIOS

if TYPE_CHECKING:  # the stack imports moto: only `ptpu sandbox` pays for that, not `ptpu serve`
    from ptpu_sandbox.stack import LocalStack

REPORTER_CLIENT_ID = "ptpu-sandbox-reporter"
# `ptpu publish`'s endpoint when no port base is set: the banner's publish lines name any other.
DEFAULT_EMULATOR_URL = f"http://127.0.0.1:{StackPorts.well_known().emulator}"
PROCESSING_OFF = "PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false"


@frozen
class ServiceMode:
    shown: str  # the banner's `mode` line
    processing: bool | None  # False: records are stored, not processed (PROCESSING_OFF); None: unknown


def service_mode(service_url: str) -> ServiceMode:
    """The running service's GET /info mode as the banner shows it: whether it writes to Delius, the
    capabilities switched off and whether records are processed."""
    try:
        with urlopen(f"{service_url}/info", timeout=5) as answer:  # noqa: S310 - the sandbox's own loopback URL
            mode = json.load(answer)["mode"]
    except (OSError, ValueError, KeyError) as error:
        return ServiceMode(f"unknown: GET /info failed ({error})", processing=None)
    writes = "DRY RUN: nothing is written to Delius" if mode["dryRun"] else "LIVE: writes to (simulated) Delius"
    off = switched_off(mode)
    only = mode.get("onlyPrisons") or []
    shown = (writes + (f"; switched off: {', '.join(off)}" if off else "")
             + (f"; only prisons {', '.join(only)} (events from others are ignored)" if only else ""))
    processing = mode.get("messageProcessorEnabled", True)
    return ServiceMode(shown + ("" if processing else f"; processing OFF ({PROCESSING_OFF})"), processing)


def banner(stack: LocalStack, hold_back: str, mode: ServiceMode, from_shell: Sequence[str] = ()) -> str:
    """`mode`: the service's, as `service_mode` reads it; `from_shell`: service_settings' overridden defaults."""
    service, hmpps = _localhost(stack.service_url), stack.hmpps
    reporter_secret = DEFAULT_CLIENTS[REPORTER_CLIENT_ID].secret
    token_url = f"{hmpps.auth_url}/oauth/token?grant_type=client_credentials"
    extract = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"
    endpoint = "" if stack.emulator_url == DEFAULT_EMULATOR_URL else f" --endpoint {stack.emulator_url}"
    if mode.processing is None:
        arrival = "Whether records are processed is unknown: GET /info failed"
    elif mode.processing:
        arrival = f"Records are processed {hold_back} after they arrive"
    else:
        arrival = f"Records are stored, not processed ({PROCESSING_OFF})"
    shell = "".join(f"  from your shell  {line}\n" for line in from_shell)
    return f"""
ptpu sandbox is up. {arrival}. Ctrl-C stops everything.

  mode             {mode.shown}
{shell}  service          {service}
  health           {service}/health
  Swagger UI       {service}/swagger-ui/index.html
  metrics          {service}/prometheus
  AWS emulator     {stack.emulator_url}  (region {stack.emulator.region}, account {stack.emulator.account_id}; \
topic {stack.names.topic}, queue {stack.names.queue}, tables {stack.names.message_table}, {stack.names.schedule_table})
  HMPPS Auth       {hmpps.auth_url}
  prison-api       {hmpps.prison_url}
  offender search  {hmpps.search_url}
  community-api    {hmpps.community_url}  (Delius state: /__sim/state, writes received: /__sim/requests)

Get a report token (client {REPORTER_CLIENT_ID} has ROLE_PTPU_REPORT) and call a report:
  TOKEN=$(curl -s -X POST -u {REPORTER_CLIENT_ID}:{reporter_secret} '{token_url}' | {extract})
  curl -H "Authorization: Bearer $TOKEN" {service}/report/in-progress

Publish the seeded scenarios' events from another terminal:
  .venv/bin/ptpu publish all{endpoint}
  .venv/bin/ptpu publish new-conviction{endpoint}     # one of: {', '.join(SCENARIOS)}

Or with the AWS CLI, as the existing service's localstack scripts do (a real NOMIS event, booking 1200835):
{aws_cli_block(stack.emulator_url, stack.emulator.region, stack.topic_arn, stack.resources.queue_url)}
"""


def _localhost(url: str) -> str:
    return url.replace("127.0.0.1", "localhost")
