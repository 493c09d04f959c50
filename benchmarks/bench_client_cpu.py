"""Measure 6: CPU per call in the two HTTP clients every booking's work goes through.

At 25 ms of upstream latency a processing worker spends about as much CPU as it waits (benchmarks/NOTES.md,
"Drain on dynalite"), so the clients' own CPU bounds how many workers one process can keep busy. Per call,
the CPU time of the calling thread (time.thread_time: the client's Python and its socket syscalls, not the
server's), median of alternating rounds, against servers in their own processes on loopback:
- requests to the fast prison-api stub: a session that trusts the environment (requests' default, as
  UpstreamClient was), the same session with the environment read once (UpstreamClient now), and
  UpstreamClient itself; with this machine's environment, and with 150 more variables (a Kubernetes pod
  with service links gets a few variables per service in its namespace);
- boto3 DynamoDB against dynalite (or moto): GetItem, PutItem and a conditional UpdateItem, as the service
  makes the client, and with botocore's client-side parameter validation off (measured, not adopted: it
  saved 0-10%, within the rounds' spread, so the service keeps botocore's default).

    .venv/bin/python benchmarks/bench_client_cpu.py --calls 300 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import boto3
import requests
import urllib3
from _common import REGION, booking_ids, machine, markdown_table, moto_server, prison_stub, quiet_logs, section
from _dynalite import dynalite_server, installed
from botocore.config import Config

from ptpu_adapters.aws.clients import LOCALSTACK, make_clients
from ptpu_adapters.http.base import UpstreamClient, cookieless_session, environment_settings

SERVICE_LINKS = 150
TOKEN = "x" * 800  # about an HMPPS Auth JWT's length


class _Tokens:
    def token(self) -> str:
        return TOKEN

    def invalidate(self) -> None:
        """Nothing to refresh."""


def per_call_cpu(calls: dict[str, Callable[[], Any]], count: int, rounds: int) -> dict[str, list[float]]:
    """Each call's thread CPU in microseconds, one sample per round, the calls taking turns per round."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        for _ in range(20):
            call()  # connections open, caches warm
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.thread_time()
            for _ in range(count):
                call()
            samples[name].append((time.thread_time() - start) / count * 1e6)
    return samples


def shown(samples: list[float]) -> str:
    """The median, with the rounds' spread: `795 (780-820)`."""
    return f"{statistics.median(samples):.0f} ({min(samples):.0f}-{max(samples):.0f})"


def ratio(before: list[float], after: list[float]) -> str:
    return f"{statistics.median(before) / statistics.median(after):.2f}x"


@contextmanager
def service_links(extra: int) -> Iterator[None]:
    """`extra` more environment variables shaped like Kubernetes service links, removed afterwards."""
    names = [f"SERVICE_{n}_PORT_8080_TCP_ADDR" for n in range(extra)]
    os.environ.update({name: "10.0.0.1" for name in names})
    try:
        yield
    finally:
        for name in names:
            del os.environ[name]


def http_rows(url: str, count: int, rounds: int) -> list[list[str]]:
    """One row per environment size: CPU per call trusting the environment, reading it once, UpstreamClient."""
    rows = []
    for label, extra in (("this machine's", 0), (f"+{SERVICE_LINKS} service links", SERVICE_LINKS)):
        with service_links(extra):
            found = per_call_cpu(_http_calls(url), count, rounds)
            rows.append([label, str(len(os.environ)), shown(found["trusting"]), shown(found["once"]),
                         shown(found["client"]), ratio(found["trusting"], found["client"]), shown(found["urllib3"])])
    return rows


def _http_calls(url: str) -> dict[str, Callable[[], Any]]:
    path = f"/api/bookings/{booking_ids(1)[0]}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    trusting = requests.Session()
    once = requests.Session()
    once.trust_env = False
    settings = environment_settings(url)
    client = UpstreamClient("prison-api", url, _Tokens(), session=cookieless_session(4))
    pool, timeout = urllib3.PoolManager(maxsize=4), urllib3.Timeout(connect=2, read=10)
    return {
        "trusting": lambda: trusting.get(url + path, headers=headers, timeout=(2, 10)).json(),
        "once": lambda: once.get(url + path, headers=headers, timeout=(2, 10), **settings).json(),
        "client": lambda: client.call("GET", path).json(),
        "urllib3": lambda: json.loads(pool.request("GET", url + path, headers=headers, timeout=timeout).data),
    }


def dynamodb_rows(url: str, count: int, rounds: int) -> list[list[str]]:
    validating = make_clients(LOCALSTACK, REGION, url).dynamodb  # as the service makes it
    unvalidated = boto3.session.Session(
        region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    ).client("dynamodb", endpoint_url=url, config=validating.meta.config.merge(Config(parameter_validation=False)))
    table = f"clientcpu{time.time_ns() % 10**9}"
    validating.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    item = {"id": {"S": "booking-1"}, "message": {"S": "m" * 600}, "attempts": {"N": "1"},
            "journal": {"M": {"nomsNumber": {"S": "A5089DY"}}}}
    rows = []
    try:
        validating.put_item(TableName=table, Item=item)
        for operation, call in (
            ("GetItem", lambda c: c.get_item(TableName=table, Key={"id": item["id"]}, ConsistentRead=True)),
            ("PutItem", lambda c: c.put_item(TableName=table, Item=item)),
            ("conditional UpdateItem", lambda c: c.update_item(
                TableName=table, Key={"id": item["id"]}, UpdateExpression="SET attempts = :n",
                ConditionExpression="attribute_exists(id)", ExpressionAttributeValues={":n": {"N": "2"}})),
        ):
            found = per_call_cpu({"on": partial(call, validating), "off": partial(call, unvalidated)}, count, rounds)
            rows.append([operation, shown(found["on"]), shown(found["off"]), ratio(found["on"], found["off"])])
    finally:
        validating.delete_table(TableName=table)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    quiet_logs()
    with prison_stub(1) as url:
        http = http_rows(url, args.calls, args.rounds)
    tables = dynalite_server() if installed() else None
    with moto_server() as moto_url, (tables or nullcontext(moto_url)) as tables_url:
        dynamodb = dynamodb_rows(tables_url, args.calls, args.rounds)
    emulator = "dynalite" if tables else "moto"
    body = (
        f"Machine: {machine()}. Thread CPU per call in microseconds (us: the calling thread's Python and socket"
        f" syscalls), median of {args.rounds} alternating rounds of {args.calls} calls; each cell is the median"
        " with the rounds' min-max. Section 6 of `make bench`: the drain's (section 5) cost per call.\n\n"
        "**requests** (GET of a booking from the fast prison-api stub, keep-alive, an 800-character bearer"
        " token, JSON decoded):\n\n"
        + markdown_table(["environment", "variables", "us/call: session trusting the environment (before)",
                          "us/call: environment read once", "us/call: UpstreamClient (now)",
                          "before / UpstreamClient", "us/call: urllib3 alone (reference)"], http)
        + f"\n\n**boto3 DynamoDB** (against {emulator}; botocore client-side parameter validation):\n\n"
        + markdown_table(["operation", "us/call: as the service makes it (validation on)", "us/call: validation off",
                          "on / off"],
                         dynamodb)
        + "\n\nA session that trusts the environment re-reads the proxy variables (every variable, twice),"
        " the CA-bundle variables and ~/.netrc on every request; UpstreamClient reads them once per base URL."
        " urllib3 alone (what requests sits on) shows what requests' own layer still costs per call: kept, since"
        " every upstream adapter and its tests speak requests' Response."
        " botocore's fixed cost per DynamoDB call (signing, event hooks, serialising and parsing) is what"
        " remains; turning off its parameter validation does not change it much, so it stays on."
    )
    print(section("6. HTTP clients: CPU per call", body))


if __name__ == "__main__":
    main()
