"""Measure 5: bookings synced per second, one process vs two processes sharing the DynamoLock.

The simulated HMPPS systems (seeded with B generated bookings) and moto serve on loopback; B bookings
each have an IMPRISONMENT_STATUS-CHANGED and a SENTENCE_DATES-CHANGED record due. Worker processes run
the service's locked processing job (ptpu_runtime.scheduling.LockedJob: try the cluster-wide lock, run
process_due, release) back to back until nothing is due. With the single lock only one process works at
a time, so a second process adds no throughput: that is what the design allows.

    .venv/bin/python benchmarks/bench_throughput.py --bookings 150
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import aws, booking_ids, fresh_resources, machine, markdown_table, moto_server, quiet_logs, section
from _hmpps import processor, start_world
from _records import NOW, batch_write, record

from ptpu_adapters.aws.lock import DynamoLock
from ptpu_adapters.aws.message_store import DynamoMessageRepository
from ptpu_adapters.aws.record_codec import message_to_item
from ptpu_adapters.fakes import FixedClock, RecordingMetrics, RecordingTelemetry
from ptpu_core.settings import DomainSettings
from ptpu_core.synchronise import SynchronisationService
from ptpu_runtime.scheduling import LockedJob

TYPES = ("IMPRISONMENT_STATUS-CHANGED", "SENTENCE_DATES-CHANGED")


class _Urls:
    """What a worker process needs to reach the simulators (the token is minted by the parent)."""

    def __init__(self, config: dict[str, str]) -> None:
        self.prison_url = config["prison"]
        self.community_url = config["community"]
        self.search_url = config["search"]
        self.auth = self
        self._token = config["token"]

    def mint_token(self, roles: list[str]) -> str:
        return self._token


def worker(config: dict[str, str]) -> None:
    """Run the locked job until nothing is due; print (start, end, bookings synced by this process)."""
    quiet_logs()
    clients = aws(config["moto"])
    clock = FixedClock(NOW)
    repository = DynamoMessageRepository(clients.dynamodb, config["table"])
    work = processor(_Urls(config), [], clock)  # type: ignore[arg-type]
    service = SynchronisationService(
        repository, work, clock, DomainSettings(), RecordingMetrics(), RecordingTelemetry()
    )
    synced = 0

    def cycle() -> None:
        nonlocal synced
        synced += service.process_due().bookings

    job = LockedJob("process", cycle, DynamoLock(clients.schedule_dynamodb, config["lock_table"]))
    start = time.time()
    while True:
        if not job():
            time.sleep(0.05)  # another process holds the lock
        if next(repository.unprocessed_created_before(NOW - DomainSettings().hold_back), None) is None:
            break
    print(json.dumps({"start": start, "end": time.time(), "synced": synced}))


def run(processes: int, bookings: list[int], moto_url: str, hmpps_config: dict[str, str]) -> tuple[float, list[int]]:
    clients = aws(moto_url)
    names, _ = fresh_resources(clients, f"throughput{processes}")
    created = NOW - timedelta(hours=1)
    records = [record(b, t, created + timedelta(seconds=n), False) for n, b in enumerate(bookings) for t in TYPES]
    batch_write(clients.dynamodb, names.message_table, [message_to_item(m) for m in records])
    config = hmpps_config | {"moto": moto_url, "table": names.message_table, "lock_table": names.schedule_table}
    children = [
        subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, __file__, "--worker", json.dumps(config)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    results = [json.loads(child.communicate(timeout=600)[0].strip().splitlines()[-1]) for child in children]
    clients.dynamodb.delete_table(TableName=names.message_table)
    elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    return elapsed, [r["synced"] for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=150)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    quiet_logs()
    rows = []
    with moto_server() as moto_url:
        for processes in (1, 2):
            bookings = booking_ids(args.bookings, first=8_000_000)
            hmpps = start_world(bookings)  # a fresh Delius for each run
            try:
                config = {
                    "prison": hmpps.prison_url,
                    "community": hmpps.community_url,
                    "search": hmpps.search_url,
                    "token": hmpps.auth.mint_token([]),
                }
                elapsed, synced = run(processes, bookings, moto_url, config)
            finally:
                hmpps.stop()
            print(f"{processes} process(es): {args.bookings} bookings in {elapsed:.1f}s, {synced}", file=sys.stderr)
            rows.append(
                [str(processes), f"{elapsed:.1f}", f"{sum(synced) / elapsed:.1f}", " / ".join(map(str, synced))]
            )
    ratio = float(rows[1][2]) / float(rows[0][2])
    body = (
        f"Machine: {machine()}. {args.bookings} bookings, each with {' and '.join(TYPES)} due (a full sync: match,"
        " link, booking number, location, key dates). Simulators in the benchmark's process, moto in its own,"
        " workers in their own processes.\n\n"
        + markdown_table(["processes", "seconds", "bookings synced/s", "bookings synced by each process"], rows)
        + f"\n\nTwo processes give {ratio:.2f}x the throughput of one: the cluster-wide lock lets one process"
        " work at a time (the other skips, as ShedLock does), so extra pods add availability, not throughput."
    )
    print(section("5. Processing throughput", body))


if __name__ == "__main__":
    main()
