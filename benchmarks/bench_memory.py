"""Measure 4: memory of one processing cycle over a large due backlog, and of reports over many records.

Run in its own process (run_all.py does). For each workload: peak RSS of the process (getrusage) before
and after, and the peak of Python allocations during the workload (tracemalloc), beside what holding every
record of the workload at once would take (the records decoded into a list, measured the same way).
The reports are fetched over HTTP from the real report router (streaming, gated) on uvicorn in this
process: one request alone, then `--concurrent` at once; each twice, under tracemalloc and then with
RSS sampled every 20 ms (tracemalloc's own bookkeeping would swell RSS).
The processing cycle uses a no-op processor, so the figures are the cycle's own (store reads, aggregation,
outcome writes), not the upstream clients'.

    .venv/bin/python benchmarks/bench_memory.py --backlog 10000 --report 20000 --concurrent 20
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import requests
import uvicorn
from botocore.config import Config
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REGION, aws, drop_table, machine, markdown_table, moto_server, quiet_logs, section, stopwatch
from _records import NOW, batch_write, due, processed_history
from bench_read_cost import NoOpProcessor

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.message_table import message_table_definition
from ptpu_adapters.dynamodb.record_codec import message_from_item, message_to_item
from ptpu_adapters.provisioning import ensure_table
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_runtime.api.errors import install_error_handlers
from ptpu_runtime.api.reports import DEFAULT_MAX_CONCURRENT_REPORTS, ReportGate, report_router
from ptpu_runtime.api.security import TokenVerifier
from ptpu_sandbox.ports import free_port

BACKLOG_BOOKINGS = 100
MIB = 1024 * 1024


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def traced(work: Callable[[], object]) -> tuple[float, float, float, object]:
    """(seconds, tracemalloc peak MiB, peak RSS MiB after, result) of `work`."""
    gc.collect()
    tracemalloc.start()
    with stopwatch() as elapsed:
        result = work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed[0], peak / MIB, peak_rss_mib(), result


def held_at_once(items: list[dict[str, object]]) -> float:
    """MiB of Python allocations to hold these records decoded at once (the unbounded alternative)."""
    gc.collect()
    tracemalloc.start()
    # Through JSON so each record gets its own strings, as records read from DynamoDB would.
    messages = [message_from_item(json.loads(json.dumps(item))) for item in items]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del messages
    return peak / MIB


def cycle_row(clients: AwsClients, backlog: int) -> tuple[list[object], list[dict[str, object]]]:
    table = "memory-backlog"
    ensure_table(clients.dynamodb, message_table_definition(table))
    bookings = list(range(6_000_000, 6_000_000 + BACKLOG_BOOKINGS))
    items = [message_to_item(m) for m in due(backlog, bookings, age=timedelta(hours=2))]
    batch_write(clients.dynamodb, table, items)
    repository = DynamoMessageRepository(clients.dynamodb, table)
    service = SynchronisationService(
        repository,
        fake_ports(FixedClock(NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(),
        process=NoOpProcessor().process,
    )
    before = peak_rss_mib()
    seconds, peak, after, summary = traced(service.process_due)
    drop_table(clients, table)
    print(f"cycle: {seconds:.1f}s {summary}", file=sys.stderr)
    row = [
        f"one processing cycle, {backlog:,} due records on {BACKLOG_BOOKINGS} bookings",
        f"{peak:.1f}",
        f"{before:.0f} -> {after:.0f}",
        f"{seconds:.0f} s",
    ]
    return row, items  # type: ignore[return-value]


class ReportRoleOnly(TokenVerifier):
    """Every token carries ROLE_PTPU_REPORT: the benchmark measures the reports, not token checks."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9")

    def claims(self, token: str) -> dict[str, Any]:
        return {"authorities": ["ROLE_PTPU_REPORT"]}


class RssSampler:
    """Samples this process's resident set (VmRSS) every 20 ms on a thread: the peak during a workload,
    unlike getrusage's peak, which only ever grows over the whole run."""

    def __init__(self) -> None:
        self.peak = self.start = _current_rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _current_rss_mib())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _current_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def report_server(repository: DynamoMessageRepository, limit: int) -> Iterator[str]:
    """The report endpoints (streaming, at most `limit` at once) on uvicorn in a thread of this process."""
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(report_router(repository, FixedClock(NOW), ReportRoleOnly(), ReportGate(limit)))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def fetch(url: str) -> tuple[int, int]:
    """(status, bytes) of one streamed GET, each chunk dropped as it arrives."""
    with requests.get(url, headers={"Authorization": "Bearer x"}, stream=True, timeout=3600) as answer:
        return answer.status_code, sum(len(chunk) for chunk in answer.iter_content(64 * 1024))


def requests_at_once(url: str, count: int) -> list[tuple[int, int]]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(fetch, [url] * count))


def patient_dynamodb(url: str) -> Any:
    """A DynamoDB client that waits for moto: moto answers a query in time that grows with the table (it
    evaluates every item for each page), far past the service's 10 s read timeout on a busy machine."""
    return boto3.client(
        "dynamodb", endpoint_url=url, region_name=REGION, aws_access_key_id="benchmark",
        aws_secret_access_key="benchmark", config=Config(read_timeout=900, retries={"max_attempts": 1}),
    )


def report_rows(
    clients: AwsClients, url: str, records: int, concurrent: int, limit: int
) -> tuple[list[list[object]], list[dict[str, object]]]:
    """One /report/processed over `records` processed records, then `concurrent` of them at once."""
    table = "memory-report"
    ensure_table(clients.dynamodb, message_table_definition(table))
    items = list(processed_history(records))
    batch_write(clients.dynamodb, table, items)
    repository = DynamoMessageRepository(patient_dynamodb(url), table)
    rows: list[list[object]] = []
    with report_server(repository, limit) as base:
        url = base + "/report/processed"
        for label, work in (
            (f"one /report/processed over {records:,} processed records (HTTP, streamed)", lambda: [fetch(url)]),
            (
                f"{concurrent} /report/processed at once over the same records (at most {limit} run; the rest 429)",
                lambda: requests_at_once(url, concurrent),
            ),
        ):
            gc.collect()
            seconds, peak, _, answers = traced(work)
            # Again without tracemalloc, whose own bookkeeping would swell the resident set.
            gc.collect()
            with RssSampler() as rss:
                work()
            statuses = Counter(status for status, _ in answers)  # type: ignore[attr-defined]
            sizes = {size for status, size in answers if status == 200}  # type: ignore[attr-defined]
            print(f"{label}: {seconds:.1f}s statuses {dict(statuses)} bytes {sizes}", file=sys.stderr)
            rows.append([
                label,
                f"{peak:.1f}",
                f"{rss.start:.0f} -> peak {rss.peak:.0f} (+{rss.peak - rss.start:.0f})",
                ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items())),
                f"{seconds:.0f} s",
            ])
    drop_table(clients, table)
    return rows, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--report", type=int, default=20_000)
    parser.add_argument("--concurrent", type=int, default=20, help="report requests sent at once")
    parser.add_argument("--limit", type=int, default=DEFAULT_MAX_CONCURRENT_REPORTS, help="REPORTS_MAX_CONCURRENT")
    args = parser.parse_args()
    quiet_logs()
    with moto_server() as url:
        clients = aws(url)
        cycle, cycle_items = cycle_row(clients, args.backlog)
        reports_measured, report_items = report_rows(clients, url, args.report, args.concurrent, args.limit)
    cycle.insert(2, f"{held_at_once(cycle_items):.1f}")
    held = held_at_once(report_items)
    body = (
        f"Machine: {machine()}. moto in its own process, so RSS is the service side's alone.\n\n"
        + markdown_table(
            [
                "workload",
                "peak Python allocations during it (MiB)",
                "all its records held at once (MiB)",
                "peak RSS before -> after (MiB)",
                "time",
            ],
            [cycle],
        )
        + "\n\n"
        + markdown_table(
            [
                "report workload (one under 50 MiB, 20 at once under 150 MiB)",
                "peak Python allocations during it (MiB)",
                "RSS during it, sampled, without tracemalloc (MiB)",
                "answers",
                "time",
            ],
            reports_measured,
        )
        + f"\n\nHolding all {args.report:,} report records at once would take {held:.1f} MiB of Python objects."
        + "\n\nThe cycle streams the due records a page at a time and keeps only the set of booking ids seen and one"
        " booking's records, so its memory is bounded by the page size and the largest booking, not the backlog."
        " The reports stream: rows are written as each DynamoDB page arrives, in created-date order read straight"
        " from an index sorted that way, so a report holds one page (DynamoDB's 1 MB, which botocore turns into"
        " roughly 20 MiB of Python objects while it is decoded) and one 500-row CSV chunk, whatever its size."
        " At most REPORTS_MAX_CONCURRENT (default 2) run at once; the others are answered 429 with Retry-After at"
        " once, so 20 requests cost about two reports' memory."
    )
    print(section("4. Memory", body))


if __name__ == "__main__":
    main()
