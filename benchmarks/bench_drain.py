"""Measure 5: latency-aware drain of a backlog, by workers in one pod and by pods, tracing off and on.

The simulated HMPPS systems answer every call after a fixed delay (the --latencies, in ms); B due bookings
wait in the message table: a bulk SENTENCE_DATES-CHANGED wave, every fourth booking also with an
IMPRISONMENT_STATUS-CHANGED (a full sync: match, link, booking number, location, key dates). Each run
starts worker processes that each build the service's own `Container` (its DynamoDB clients and upstream
ports timed and counted, the clock fixed, a static token) and run `container.synchronisation().process_due()`
back to back until nothing is due, on a fresh table and a fresh Delius. Reported per run:
- drain seconds, from the moment every process starts together (after its imports) to the last one's end;
- the floor, bookings x calls per booking x latency / (workers x processes): the time the upstream
  calls alone take when perfectly spread (calls counted at the ports in that run); ratio = seconds / floor;
- overlapping leases: pairs of holds of one booking's lease item by different pods that overlap in time,
  from a DynamoDB stream on the schedule table (moto), or from the lease writes the store accepted as each
  worker process logged them (dynalite has no streams: _lease_log.py);
- Delius end state: offenders identical to the one-worker, one-process run at the same latency.
One run (--tracing-run, 8x1 by default) is repeated with tracing on (the runtime's `start_tracing` with
exporters that discard): records/s, store writes per record and their ratio beside the tracing-off row.
Besides the container, the workers use `ptpu_core.testing.FixedClock`, the cycle summary's `bookings` and
the repository's `unprocessed_created_before` (the stop check).

The tables live in moto or in dynalite (`--dynamodb`; default dynalite when `npm ci --prefix
benchmarks/dynalite` has run: an independent emulator several times cheaper per request than moto, see
_dynalite.py). Pods walk the selection in their own order (seeded by each process's lease owner), as the
container wires them.

    .venv/bin/python benchmarks/bench_drain.py --bookings 100 --latencies 25 100 --dynamodb dynalite
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from contextlib import nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import attrs
import boto3
from _common import (
    REGION,
    StaticTokens,
    aws,
    booking_ids,
    cpu_seconds,
    fresh_resources,
    machine,
    markdown_table,
    moto_pid,
    moto_server,
    quiet_logs,
    section,
)
from _dynalite import dynalite_server, installed
from _hmpps import CallKey, Counting, start_world
from _lease_log import LeaseLog, overlaps
from _records import NOW, batch_write, record
from _timing import Timed, Totals, merged
from bench_upstream_calls import delius_state
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ptpu_adapters.aws.clients import LOCALSTACK, AwsEndpoints, make_clients
from ptpu_adapters.dynamodb.message_table import message_table_definition, schedule_table_definition
from ptpu_adapters.dynamodb.record_codec import message_to_item
from ptpu_adapters.provisioning import AwsResourceNames, ensure_table
from ptpu_core.testing import FixedClock
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from ptpu_runtime.tracing import start_tracing
from ptpu_sandbox.lifeline import bound_to_this_process

WAVE = "SENTENCE_DATES-CHANGED"
STATUS = "IMPRISONMENT_STATUS-CHANGED"
RUNS = ((1, 1), (4, 1), (8, 1), (1, 2), (1, 4))  # (workers, processes)
LEASE = timedelta(minutes=5)
CYCLE_DELAY = 1.0  # seconds: PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY's default
GO_AFTER_SECONDS = 5.0  # worker processes import and connect first, then all start at once


class _Discard(SpanExporter):
    """Spans ended and handed to an exporter that keeps nothing (the exporters' network cost left out)."""

    def export(self, spans: Any) -> SpanExportResult:
        return SpanExportResult.SUCCESS


class _DiscardLogs(LogRecordExporter):
    def export(self, batch: Any) -> LogRecordExportResult:
        return LogRecordExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def _container(config: dict[str, Any], totals: Totals, calls: list[CallKey]) -> Container:
    """The service's container on the bench's tables and simulators, its DynamoDB and upstream ports timed and
    counted, the clock fixed and the token static (HMPPS Auth is not measured); tracing on or off."""
    container = Container(settings=load_settings({
        "AWS_PROVIDER": "localstack", "AWS_REGION": REGION, "SQS_ENDPOINT_URL": config["moto"],
        "DYNAMODB_ENDPOINT": config["dynamodb_url"], "DYNAMODB_TABLENAME": config["table"],
        "DYNAMODB_SCHEDULE_TABLENAME": config["lock_table"], "OAUTH_ENDPOINT_URL": "http://127.0.0.1:9/auth",
        "OAUTH_CLIENT_ID": "bench", "OAUTH_CLIENT_SECRET": "bench", "PRISON_ENDPOINT_URL": config["prison"],
        "COMMUNITY_ENDPOINT_URL": config["community"], "OFFENDER_SEARCH_ENDPOINT_URL": config["search"],
        "PRISONTOPROBATION_PROCESSOR_WORKERS": str(config["workers"]),
        "PRISONTOPROBATION_BOOKING_LEASE": f"{int(LEASE.total_seconds())}s",
    }))
    if config["tracing"]:  # first: the telemetry and every record's tracing are built from it
        container.tracing.override(
            start_tracing(container.settings(), span_exporters=[_Discard()], log_exporters=[_DiscardLogs()])
        )
    container.clock.override(FixedClock(NOW))
    container.token_provider.override(StaticTokens(config["token"]))
    clients = container.aws()
    container.aws.override(attrs.evolve(
        clients, dynamodb=Timed(clients.dynamodb, "dynamodb", totals, by_method=True),
        schedule_dynamodb=LeaseLog(Timed(clients.schedule_dynamodb, "dynamodb-leases", totals, by_method=True)),
    ))
    for service, port in (("prison-api", container.prison_api), ("community-api", container.community_api),
                          ("offender-search", container.offender_search)):
        port.override(Counting(service, Timed(port(), "upstream", totals), calls))
    return container


def worker(config: dict[str, Any]) -> None:
    """Run cycles until nothing is due; print start, end, bookings synced and upstream calls made."""
    quiet_logs()
    totals = Totals()
    calls: list[CallKey] = []
    container = _container(config, totals, calls)
    service, repository = container.synchronisation(), container.repository()
    hold_back = container.domain_settings().hold_back
    synced = 0
    time.sleep(max(0.0, config["go"] - time.time()))  # every process starts together, imports done
    start = time.time()
    cpu = time.process_time()
    while True:
        synced += service.process_due().bookings
        if next(repository.unprocessed_created_before(NOW - hold_back), None) is None:
            break
        # What is left is leased by another process. As the scheduler runs the cycle (an interval trigger
        # of PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY, a tick skipped while a cycle runs): the next tick.
        time.sleep(CYCLE_DELAY - (time.time() - start) % CYCLE_DELAY)
    end = time.time()
    cpu = time.process_time() - cpu
    container.booking_runner().close()
    container.tracing().shutdown()
    print(json.dumps({
        "start": start, "end": end, "synced": synced, "calls": len(calls), "cpu": cpu, "timings": totals.snapshot(),
        "leases": container.aws().schedule_dynamodb.entries,
    }))


def lease_overlaps(moto_url: str, stream_arn: str) -> tuple[int, int]:
    """(holds seen, overlapping pairs) over every booking lease item's history."""
    streams = boto3.client("dynamodbstreams", endpoint_url=moto_url, region_name=REGION,
                           aws_access_key_id="test", aws_secret_access_key="test")
    images: list[dict[str, str]] = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            new_images = [r["dynamodb"]["NewImage"] for r in page["Records"]]
            images += [{k: next(iter(v.values())) for k, v in image.items()} for image in new_images]  # S or N
            iterator = page.get("NextShardIterator") if page["Records"] else None
    holds: dict[str, list[list[Any]]] = {}  # item -> [owner, start, end]
    for image in images:
        # moto's stream shows the update that creates an item with its key alone; the release that
        # follows carries the hold's lockedAt, so the hold is still seen, from its start to its release.
        if not image["_id"].startswith("bookingLease-") or "lockedAt" not in image:
            continue
        start, until = _instant(image["lockedAt"]), _instant(image["lockUntil"])
        item = holds.setdefault(image["_id"], [])
        if item and item[-1][0] == image["lockedBy"] and item[-1][1] == start:
            item[-1][2] = until  # the release
        else:
            item.append([image["lockedBy"], start, until])
    overlapping = sum(
        1 for item in holds.values() for a, b in zip(item, item[1:], strict=False) if a[0] != b[0] and a[2] > b[1]
    )
    return sum(len(item) for item in holds.values()), overlapping


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def run(
    workers: int, processes: int, bookings: list[int], latency: float, moto_url: str, dynamodb: str,
    *, tracing: bool = False,
) -> dict[str, Any]:
    hmpps = start_world(bookings)
    for simulator in (hmpps.prison, hmpps.community, hmpps.search):
        simulator.inject_fault(status=None, delay_seconds=latency)  # every call, every method
    label = f"drain{workers}x{processes}"
    if dynamodb == moto_url:
        clients = aws(moto_url)
        names, _ = fresh_resources(clients, label)
        stream = clients.schedule_dynamodb.update_table(
            TableName=names.schedule_table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        )["TableDescription"]["LatestStreamArn"]
    else:  # dynalite: only the tables (it has no UpdateTimeToLive: the TTL setting is left out)
        clients = make_clients(LOCALSTACK, REGION, moto_url, endpoints=AwsEndpoints(dynamodb=dynamodb))
        tag = f"{label}-{time.time_ns() % 10**9}"
        names = AwsResourceNames(message_table=f"m-{tag}", schedule_table=f"s-{tag}")
        ensure_table(clients.dynamodb, message_table_definition(names.message_table))
        ensure_table(clients.schedule_dynamodb, schedule_table_definition(names.schedule_table))
        stream = None
    created = NOW - timedelta(hours=1)
    records = [record(b, WAVE, created + timedelta(seconds=n), False) for n, b in enumerate(bookings)]
    records += [record(b, STATUS, created - timedelta(seconds=n), False) for n, b in enumerate(bookings) if n % 4 == 0]
    batch_write(clients.dynamodb, names.message_table, [message_to_item(m) for m in records])
    config = {
        "prison": hmpps.prison_url, "community": hmpps.community_url, "search": hmpps.search_url,
        "token": hmpps.auth.mint_token([]), "moto": moto_url, "dynamodb_url": dynamodb,
        "table": names.message_table,
        "lock_table": names.schedule_table, "workers": workers, "tracing": tracing,
        "go": time.time() + GO_AFTER_SECONDS,
    }
    moto = moto_pid(dynamodb)
    moto_cpu, load = cpu_seconds(moto), os.getloadavg()[0]
    try:
        children = [
            subprocess.Popen(  # noqa: S603 - our own script
                bound_to_this_process([sys.executable, __file__, "--worker", json.dumps(config)]),
                stdout=subprocess.PIPE, text=True,
            )
            for _ in range(processes)
        ]
        results = [json.loads(child.communicate(timeout=3600)[0].strip().splitlines()[-1]) for child in children]
        moto_cpu, load = cpu_seconds(moto) - moto_cpu, max(load, os.getloadavg()[0])
        if stream is not None:
            holds, overlapping = lease_overlaps(moto_url, stream)
        else:
            holds, overlapping = overlaps([entry for r in results for entry in r["leases"]])
        state = delius_state(hmpps, len(bookings))
    finally:
        hmpps.stop()
        clients.dynamodb.delete_table(TableName=names.message_table)
        if stream is None:
            clients.schedule_dynamodb.delete_table(TableName=names.schedule_table)
    return {
        "seconds": max(r["end"] for r in results) - min(r["start"] for r in results),
        "synced": sum(r["synced"] for r in results),
        "records": len(records),
        "calls": sum(r["calls"] for r in results),
        "holds": holds,
        "overlapping": overlapping,
        "state": state,
        "cpu": sum(r["cpu"] for r in results),
        "timings": merged([r["timings"] for r in results]),
        "moto_cpu": moto_cpu,
        "load": load,
    }


STORE_WRITES = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items")
TRACING_HEADING = (
    "Tracing on and off, the same run repeated: on is OpenTelemetry as `ptpu serve` runs it with an exporter"
    " configured (the runtime's `start_tracing`: requests and botocore instrumented, a span per record and"
    " its save, the events as log records) with exporters that discard what they are given, so the"
    " exporters' network cost is left out. Store writes = the message table's write calls; lease writes ="
    " the schedule table's.\n\n"
)


def writes(found: dict[str, Any], kind: str) -> float:
    """`kind`'s write calls (the message table's `dynamodb`, the leases' `dynamodb-leases`) per record."""
    calls = sum(n for key, (n, _) in found["timings"].items() if key in {f"{kind}:{w}" for w in STORE_WRITES})
    return float(calls) / found["records"]


def tracing_comparison(
    latency: str, workers: int, processes: int, off: dict[str, Any], on: dict[str, Any]
) -> list[list[Any]]:
    """The tracing-off and tracing-on rows of one run, the second with its records/s ratio to the first."""
    rate = {id(found): found["records"] / found["seconds"] for found in (off, on)}
    same = sum(1 for k, v in on["state"].items() if off["state"].get(k) == v)
    return [
        [latency, workers, processes, name, f"{found['seconds']:.1f}", f"{rate[id(found)]:.1f}",
         f"{writes(found, 'dynamodb'):.2f}", f"{writes(found, 'dynamodb-leases'):.2f}",
         f"{found['cpu'] / found['records'] * 1000:.1f}",
         "-" if found is off else f"**{rate[id(on)] / rate[id(off)]:.2f}**",
         f"{found['synced']}/{len(found['state'])}", "-" if found is off else f"{same}/{len(on['state'])}"]
        for name, found in (("off", off), ("on", on))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=100)
    parser.add_argument("--latencies", type=int, nargs="+", default=[25, 100], help="milliseconds")
    parser.add_argument("--runs", nargs="+", default=[f"{w}x{p}" for w, p in RUNS],
                        help="workers x processes, e.g. 1x1 8x1 (the first is the one the others are compared to)")
    parser.add_argument("--dynamodb", choices=("moto", "dynalite"), default="dynalite" if installed() else "moto",
                        help="the emulator holding the tables (default: dynalite when installed, else moto)")
    parser.add_argument("--tracing-run", default="8x1",
                        help="the run repeated with tracing on, beside its tracing-off row ('' for none)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    quiet_logs()
    bookings = booking_ids(args.bookings, first=9_000_000)
    rows = []
    tracing_rows: list[list[Any]] = []
    goals: list[str] = []
    print(f"DynamoDB emulator: {args.dynamodb}", file=sys.stderr)
    tables = dynalite_server() if args.dynamodb == "dynalite" else None
    with moto_server() as moto_url, (tables or nullcontext(moto_url)) as tables_url:
        for latency_ms in args.latencies:
            latency = latency_ms / 1000
            serial: dict[str, Any] | None = None
            by_run: dict[str, dict[str, Any]] = {}
            for workers, processes in ((int(w), int(p)) for w, p in (run.split("x") for run in args.runs)):
                found = run(workers, processes, bookings, latency, moto_url, tables_url)
                by_run[f"{workers}x{processes}"] = found
                serial = serial or found
                per_booking = found["calls"] / len(bookings)
                floor = len(bookings) * per_booking * latency / (workers * processes)
                speed_up = serial["seconds"] / found["seconds"]
                same = sum(1 for k, v in found["state"].items() if serial["state"].get(k) == v)
                print(f"{latency_ms} ms, {workers} x {processes}: {found['seconds']:.1f}s (floor {floor:.1f}s),"
                      f" worker CPU {found['cpu'] / len(bookings) * 1000:.1f} ms/booking,"
                      f" {args.dynamodb} CPU {found['moto_cpu'] / len(bookings) * 1000:.1f} ms/booking,"
                      f" load {found['load']:.1f};"
                      " per booking: "
                      + ", ".join(f"{kind} {n / len(bookings):.2f} x {t / max(n, 1) * 1000:.1f} ms"
                                  for kind, (n, t) in sorted(found["timings"].items())), file=sys.stderr)
                dynamodb = [v for k, v in found["timings"].items() if k.startswith("dynamodb")]
                dynamodb_calls = sum(n for n, _ in dynamodb) / len(bookings)
                # DynamoDB wait on a worker's critical path: every worker's time in DynamoDB calls, per worker.
                dynamodb_wait = sum(t for _, t in dynamodb) / (workers * processes)
                above = found["seconds"] - floor
                rows.append([
                    f"{latency_ms} ms", workers, processes, f"{found['seconds']:.1f}", f"{per_booking:.2f}",
                    f"{floor:.1f}", f"**{found['seconds'] / floor:.2f}**", f"{speed_up:.2f}x",
                    f"{dynamodb_calls:.2f}", f"{dynamodb_wait:.1f} ({dynamodb_wait / above:.0%})" if above > 0 else "-",
                    f"{found['moto_cpu'] / len(bookings) * 1000:.0f}", f"{found['load']:.1f}",
                    f"{found['synced']}/{len(bookings)}", f"{found['overlapping']} of {found['holds']}",
                    f"{same}/{len(found['state'])}",
                ])
                if (workers, processes) in ((8, 1), (1, 4)):
                    goal = 6.0 if workers == 8 else 3.2
                    goals.append(f"{latency_ms} ms, {workers} worker(s) x {processes} process(es): {speed_up:.2f}x"
                                 f" the serial run (goal >= {goal}: {'met' if speed_up >= goal else 'missed'})")
            if args.tracing_run:
                workers, processes = (int(n) for n in args.tracing_run.split("x"))
                off = by_run.get(args.tracing_run) or run(workers, processes, bookings, latency, moto_url, tables_url)
                on = run(workers, processes, bookings, latency, moto_url, tables_url, tracing=True)
                tracing_rows += tracing_comparison(f"{latency_ms} ms", workers, processes, off, on)
    body = (
        f"Machine: {machine()}, shared with other work while measured (load average per run in the table). "
        f"{len(bookings)} due bookings: {WAVE} on every one, {STATUS} on every fourth. Simulators (threaded,"
        " delaying every call by the latency) in the benchmark's process, the tables in"
        + (" dynalite (npm dynalite 4.0.0, one Node.js process)" if args.dynamodb == "dynalite" else
           " moto (DynamoDB requests serialised for per-item atomicity)")
        + " in its own,"
        " workers in their own processes, each the service's container (effect"
        " journal on, HTTP pools sized to the workers); per-booking leases of"
        f" {int(LEASE.total_seconds() / 60)} minutes; a process whose cycle ends with bookings left to other"
        f" processes starts its next cycle on the scheduler's next {CYCLE_DELAY:.0f} s tick.\n\n"
        + markdown_table(
            ["latency", "workers", "processes", "drain s", "upstream calls/booking", "floor s", "ratio to floor",
             "speed-up vs first row", "DynamoDB calls/booking", "DynamoDB wait s per worker (share of time above"
             " floor)", f"{args.dynamodb} CPU ms/booking", "load (1 min, max)", "bookings synced",
             "overlapping leases (of holds)", "Delius = first row"],
            rows,
        )
        + "\n\nFloor = bookings x upstream calls per booking x latency / (workers x processes): upstream calls"
        " only. DynamoDB wait = the time every worker spent in DynamoDB calls (queueing in the"
        " emulator included), divided by workers x processes; its share is of the drain time above the floor."
        " Emulator CPU = the emulator process's own CPU time during the run. Goals: 8 workers >= 6x one,"
        " 4 processes >= 3.2x one, every ratio to the floor <= 1.5, zero overlapping leases, Delius identical"
        " to the serial run.\n\n"
        + "\n".join(f"- {g}" for g in goals)
    )
    if tracing_rows:
        body += "\n\n" + TRACING_HEADING + markdown_table(
            ["latency", "workers", "processes", "tracing", "drain s", "records/s", "store writes/record",
             "lease writes/record", "worker CPU ms/record", "records/s on / off", "bookings synced", "Delius = off"],
            tracing_rows,
        )
    print(section("5. Processing throughput: drain of a backlog by workers and pods", body))


if __name__ == "__main__":
    main()
