"""Measure 2: DynamoDB items read by one processing cycle, ours vs the existing service's scan design.

A table holds H processed records (30 days of history) and 100 due records on 50 bookings.
- Ours: SynchronisationService.process_due with a no-op processor over DynamoMessageRepository; items
  read = ScannedCount summed over its queries + items fetched by BatchGetItem (counted_reads).
- Scan design (what the existing service does): Scan with a filter for due records, then for each
  booking a Scan with a filter for its unprocessed records; items read = ScannedCount summed.
A Scan reads the whole table whatever its filter. moto re-sorts the whole table for every page, so a
full Scan of a large table takes minutes there: above --full-scan-limit records the benchmark runs the
due-records Scan and --sample booking Scans and multiplies the measured per-booking count by the
number of bookings (each booking Scan reads the same, whole table; checked at the smaller sizes).

    .venv/bin/python benchmarks/bench_read_cost.py --sizes 1000 10000 100000
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import aws, drop_table, machine, markdown_table, moto_server, quiet_logs, section, stopwatch
from _records import NOW, batch_write, due, processed_history

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.message_table import message_table_definition
from ptpu_adapters.dynamodb.record_codec import message_to_item
from ptpu_adapters.dynamodb.testing import counted_reads
from ptpu_adapters.provisioning import ensure_table
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import Outcome, done
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import SynchronisationService

DUE_RECORDS = 100
DUE_BOOKINGS = 50


class NoOpProcessor:
    """Every record done at once: the cycle's reads are what is measured, not the upstream work."""

    def process(self, message: Message, work: object) -> Outcome:
        return done(SynchroniseState.COMPLETED)


def _scan(client: Any, table: str, condition: str, values: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every page of a filtered Scan."""
    request: dict[str, Any] = {"TableName": table, "FilterExpression": condition, "ExpressionAttributeValues": values}
    while True:
        page = client.scan(**request)
        yield page
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan_design(client: Any, table: str, booking_sample: int | None) -> tuple[int, int, int]:
    """(items read, booking scans run, bookings found). With a sample, booking scans beyond it are
    counted as the measured mean per booking scan."""
    cutoff = (NOW - DomainSettings().hold_back).isoformat(timespec="microseconds")
    scanned = 0
    bookings: list[int] = []
    for page in _scan(
        client,
        table,
        "attribute_not_exists(processedDate) AND retryCount = :zero AND createdDate < :cutoff",
        {":zero": {"N": "0"}, ":cutoff": {"S": cutoff}},
    ):
        scanned += page["ScannedCount"]
        for item in page["Items"]:
            booking = int(item["bookingId"]["N"])
            if booking not in bookings:
                bookings.append(booking)
    to_run = bookings if booking_sample is None else bookings[:booking_sample]
    per_booking = 0
    for booking in to_run:
        condition = "bookingId = :booking AND attribute_not_exists(processedDate)"
        per_booking += sum(
            p["ScannedCount"] for p in _scan(client, table, condition, {":booking": {"N": str(booking)}})
        )
    if not to_run:  # each booking Scan reads the whole table, as the due-records Scan did
        per_booking = scanned * len(bookings)
    elif len(to_run) < len(bookings):
        per_booking = per_booking * len(bookings) // len(to_run)
    return scanned + per_booking, len(to_run), len(bookings)


def ours(client: Any, table: str) -> tuple[int, int, int, int]:
    """(items read, queries, ScannedCount, batch-got) of one process_due; it marks the due records processed."""
    repository = DynamoMessageRepository(client, table)
    service = SynchronisationService(
        repository,
        fake_ports(FixedClock(NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(),
        process=NoOpProcessor().process,
    )
    with counted_reads(client) as stats:
        summary = service.process_due()
    if summary.processed != DUE_RECORDS:
        raise AssertionError(f"the cycle processed {summary.processed} records, expected {DUE_RECORDS}")
    return stats.scanned + stats.items_got, stats.queries, stats.scanned, stats.items_got


def measure(clients: AwsClients, history: int, full_scan_limit: int, sample: int) -> list[object]:
    table = f"readcost-{history}"
    ensure_table(clients.dynamodb, message_table_definition(table))
    try:
        with stopwatch() as write_time:
            batch_write(clients.dynamodb, table, processed_history(history))
        due_bookings = list(range(5_000_000, 5_000_000 + DUE_BOOKINGS * 7, 7))  # bookings that have history too
        batch_write(clients.dynamodb, table, [message_to_item(m) for m in due(DUE_RECORDS, due_bookings)])
        sampled = history > full_scan_limit
        with stopwatch() as scan_time:
            scan_items, scans_run, bookings = scan_design(clients.dynamodb, table, sample if sampled else None)
        with stopwatch() as our_time:
            our_items, queries, scanned, got = ours(clients.dynamodb, table)
    finally:
        drop_table(clients, table)
    scan_note = f"{scan_items:,}" + (
        f" (due Scan + {scans_run} of {bookings} booking Scans run; rest counted)" if sampled else ""
    )
    print(
        f"H={history}: wrote in {write_time[0]:.1f}s; scan design {scan_time[0]:.1f}s; ours {our_time[0]:.1f}s",
        file=sys.stderr,
    )
    return [
        f"{history:,}",
        f"{our_items:,} ({queries} queries: ScannedCount {scanned:,} + {got:,} batch-got)",
        scan_note,
        f"{scan_items / our_items:,.0f}x",
        f"{write_time[0]:.0f} s",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--full-scan-limit", type=int, default=2_000, help="largest H whose booking scans all run")
    parser.add_argument("--sample", type=int, default=0, help="booking scans run above the limit")
    args = parser.parse_args()
    quiet_logs()
    with moto_server() as url:
        clients = aws(url)
        rows = [measure(clients, size, args.full_scan_limit, args.sample) for size in args.sizes]
    ours_counts = [str(row[1]).split(" ")[0] for row in rows]
    body = (
        f"Machine: {machine()}. {DUE_RECORDS} due records on {DUE_BOOKINGS} bookings; H processed records of"
        " history (5 per booking). Items read = what DynamoDB evaluates and bills: ScannedCount summed over every"
        " Query/Scan page, plus items fetched by BatchGetItem (ours confirms each booking's records from the"
        " table).\n\n"
        + markdown_table(
            ["H (history)", "ours: items read by one cycle", "scan design: items read", "ratio", "time to write H"],
            rows,
        )
        + f"\n\nOurs across H: {', '.join(ours_counts)} — flat in H (it depends only on the due records)."
        " The scan design reads the whole table once for the due records and once more per booking,"
        f" (1 + bookings) x (H + {DUE_RECORDS}) items. Goal: flat, and >= 100x fewer at the largest H."
    )
    print(section("2. Processing-cycle read cost", body))


if __name__ == "__main__":
    main()
