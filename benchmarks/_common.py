"""What the benchmark scripts share: the machine, servers in their own processes, AWS clients, the
2021 SNS envelopes, a simulated HMPPS world of many bookings, and markdown tables.

Servers (moto, the fast prison-api stub) run as child processes so that their CPU does not share the
measuring process's GIL: the figures are then the service's own cost plus real loopback round trips.
Each script prints one markdown section on stdout (logs go to stderr); run_all.py collects them.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ptpu_adapters.aws.clients import LOCALSTACK, AwsClients, make_clients
from ptpu_adapters.provisioning import AwsResourceNames, ProvisionedResources, provision
from ptpu_sandbox.lifeline import bound_to_this_process
from ptpu_sandbox.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("PTPU_FIXTURES", ROOT / "tests" / "fixtures" / "original-2021")) / "messages"
REGION = "eu-west-2"
MOTO_URL_ENV = "PTPU_BENCH_MOTO_URL"  # run_all.py shares one moto server between the scripts
MAKE_TARGET_ENV = "PTPU_BENCH_MAKE_TARGET"  # run_all.py names the make target that ran the script
MOTO_PID_ENV = "PTPU_BENCH_MOTO_PID"  # and the shared moto server's process id (to read its CPU time)
SERVER_PIDS: dict[str, int] = {}  # url -> pid of each server this process started

EVENT_FIXTURES = {
    "IMPRISONMENT_STATUS-CHANGED": "imprisonmentStatusChanged.json",
    "EXTERNAL_MOVEMENT_RECORD-INSERTED": "externalMovement.json",
    "SENTENCE_DATES-CHANGED": "sentenceDatesChanged.json",
    "CONFIRMED_RELEASE_DATE-CHANGED": "confirmedReleaseDateChanged.json",
    "BOOKING_NUMBER-CHANGED": "bookingNumberChanged.json",
}
EVENT_TYPES = tuple(EVENT_FIXTURES)


def quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for name in ("ptpu", "ptpu_adapters", "ptpu_core", "ptpu_runtime", "botocore", "urllib3", "werkzeug"):
        logging.getLogger(name).setLevel(logging.ERROR)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def _wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()  # noqa: S310 - loopback only
            return
        except OSError as error:
            # An HTTP error status still means the server answers.
            if hasattr(error, "code"):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up") from error
            time.sleep(0.1)


@contextmanager
def child_server(args: Sequence[str], url: str, ready_path: str = "/") -> Iterator[str]:
    """Run a server as a child process (stopped by its own pid on exit, SIGKILLed by the kernel if this
    process dies first: ptpu_sandbox.lifeline) and yield its URL."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
        bound_to_this_process(args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    SERVER_PIDS[url] = process.pid
    try:
        _wait_until_up(url + ready_path)
        yield url
    finally:
        SERVER_PIDS.pop(url, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def moto_server() -> Iterator[str]:
    """The shared moto server when run_all.py started one, else a fresh one for this script."""
    shared = os.environ.get(MOTO_URL_ENV)
    if shared:
        yield shared
        return
    port = free_port()
    # moto with DynamoDB's per-item write atomicity (the booking leases rely on it): ptpu_sandbox.atomic_moto
    args = [sys.executable, "-m", "ptpu_sandbox.atomic_moto", "127.0.0.1", str(port)]
    with child_server(args, f"http://127.0.0.1:{port}", "/moto-api/") as url:
        yield url


@contextmanager
def prison_stub(bookings: int) -> Iterator[str]:
    """The minimal prison-api stub (benchmarks/prison_stub.py) for `bookings` bookings."""
    port = free_port()
    script = str(Path(__file__).with_name("prison_stub.py"))
    with child_server(
        [sys.executable, script, str(port), str(bookings)], f"http://127.0.0.1:{port}", "/health/ping"
    ) as url:
        yield url


def stub_counts(url: str) -> dict[str, int]:
    with urllib.request.urlopen(url + "/__counts", timeout=5) as answer:  # noqa: S310 - loopback only
        counts: dict[str, int] = json.load(answer)
    return counts


def moto_pid(url: str) -> int | None:
    """The process id of the moto server at `url` (ours, or run_all.py's shared one), if known."""
    shared = os.environ.get(MOTO_PID_ENV)
    return SERVER_PIDS.get(url) or (int(shared) if shared else None)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time a process has used so far (Linux /proc), 0.0 when it cannot be read."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def aws(url: str) -> AwsClients:
    return make_clients(LOCALSTACK, REGION, url)


def fresh_resources(clients: AwsClients, label: str) -> tuple[AwsResourceNames, ProvisionedResources]:
    """Queues, topic and tables of our own (unique names), so scripts never see each other's data."""
    tag = f"{label}-{uuid.uuid4().hex[:6]}"
    names = AwsResourceNames(
        queue=f"q-{tag}", dlq=f"dlq-{tag}", topic=f"t-{tag}", message_table=f"m-{tag}", schedule_table=f"s-{tag}"
    )
    return names, provision(clients, names)


def drop_table(clients: AwsClients, name: str) -> None:
    """Free the emulator's memory once a script is done with a big table."""
    try:
        clients.dynamodb.delete_table(TableName=name)
    except Exception:  # noqa: BLE001 - best effort
        logging.getLogger(__name__).warning("could not drop table %s", name)


class StaticTokens:
    """A TokenProvider with one fixed token: the benchmarks measure the APIs, not HMPPS Auth."""

    def __init__(self, token: str = "bench-token") -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def invalidate(self) -> None:
        pass


def _fixture(event_type: str) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads((FIXTURES / EVENT_FIXTURES[event_type]).read_text())
    return envelope


def envelope(event_type: str, booking_id: int, sequence: int) -> str:
    """A real 2021 SNS envelope of `event_type` re-addressed to `booking_id` (a fresh SNS MessageId)."""
    body = _fixture(event_type)
    inner = json.loads(body["Message"])
    inner["bookingId"] = booking_id
    if event_type == "EXTERNAL_MOVEMENT_RECORD-INSERTED":
        inner["movementSeq"] = 1
    body["Message"] = json.dumps(inner)
    body["MessageId"] = str(uuid.UUID(int=sequence))
    return json.dumps(body)


def inner_message(event_type: str, booking_id: int) -> str:
    return str(json.loads(envelope(event_type, booking_id, 0))["Message"])


def booking_ids(count: int, first: int = 2_000_000) -> list[int]:
    return list(range(first, first + count))


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def reproduce_command() -> str:
    """The command line this script was run with (so the results never name sizes that did not run),
    after the make target that ran it, if any."""
    command = " ".join([".venv/bin/python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    target = os.environ.get(MAKE_TARGET_ENV)
    return f"`{target}` (or: `{command}`)" if target else f"`{command}`"


def section(title: str, body: str) -> str:
    return f"## {title}\n\nReproduce: {reproduce_command()}\n\n{body.strip()}\n"


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as elapsed: ...` then `elapsed[0]` is the wall time in seconds."""
    elapsed = [0.0]
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed[0] = time.perf_counter() - start
