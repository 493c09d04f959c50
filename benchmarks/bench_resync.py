"""POST /resync's use case: time and upstream calls per booking, dry run and writing.

B generated bookings (each a sentenced prisoner whose Delius offender is found by name, not yet linked) are
re-synced through the real HTTP clients against the simulated HMPPS systems, every port call counted:
first a dry run naming them by NOMS number (one more prison-api read each, to find the latest booking), then
a run by booking id that writes. Leases are left out (NoLeases): they add two DynamoDB round trips per booking.
The last line estimates one 500-id request at a given upstream latency, from the calls counted.

    .venv/bin/python benchmarks/bench_resync.py --bookings 100 --latency-ms 50
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import StaticTokens, booking_ids, machine, markdown_table, quiet_logs, section
from _hmpps import CallKey, Counting, per_service, start_world
from _world import offender_no

from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.community_api import CommunityApiClient, DryRunCommunityApi
from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, RecordingMetrics, RecordingTelemetry
from ptpu_core.use_cases.resync import MAX_IDS, Resync, ResyncResult
from ptpu_core.work.unit_of_work import DryRun, Ports
from ptpu_sandbox.simulators.cluster import SimulatedHmpps

SERVICES = ("prison-api", "community-api", "offender-search")


def use_case(hmpps: SimulatedHmpps, log: list[CallKey]) -> Resync:
    tokens = StaticTokens(hmpps.auth.mint_token([]))

    def client(service: str, url: str, make: Callable[[UpstreamClient], Any]) -> Any:
        return Counting(service, make(UpstreamClient(service, url, tokens)), log)

    prison = client("prison-api", hmpps.prison_url, PrisonApiClient)
    ports = Ports(
        prison, client("community-api", hmpps.community_url, CommunityApiClient),
        client("offender-search", hmpps.search_url, OffenderSearchClient), RecordingTelemetry(), RecordingMetrics(),
        FixedClock(datetime(2026, 11, 1, 12, 0, tzinfo=UTC)),
    )
    return Resync(ports, DomainSettings(), prison, dry_run=DryRun(DryRunCommunityApi))


def timed(resync: Resync, ids: list[Any], dry_run: bool) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    report = resync.resync(ids, dry_run=dry_run)
    seconds = time.perf_counter() - started
    results: dict[str, int] = {}
    for item in report.items:
        results[item.result.value] = results.get(item.result.value, 0) + 1
    return seconds, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="upstream latency for the estimate")
    args = parser.parse_args()
    quiet_logs()
    bookings = booking_ids(args.bookings, first=7_000_000)
    n = len(bookings)
    rows = []
    with start_world(bookings) as hmpps:
        for label, ids, dry_run in (
            ("dry run, by NOMS number", [offender_no(index) for index in range(n)], True),
            ("writing, by booking id", list(bookings), False),
        ):
            log: list[CallKey] = []
            seconds, results = timed(use_case(hmpps, log), ids, dry_run)
            counts = per_service(log)
            rows.append([label, f"{1000 * seconds / n:.1f}"] + [f"{counts[s] / n:.2f}" for s in SERVICES]
                        + [f"{len(log) / n:.2f}", ", ".join(f"{k} {v}" for k, v in sorted(results.items()))])
            calls_per_booking = len(log) / n
    estimate = MAX_IDS * calls_per_booking * args.latency_ms / 1000
    body = (
        f"Machine: {machine()}. {n} bookings, one request each run, simulators on loopback (no added latency):\n\n"
        + markdown_table(["", "ms per booking", *SERVICES, "calls per booking", "results"], rows)
        + f"\n\nA {MAX_IDS}-id writing request at {args.latency_ms:.0f} ms per upstream call: about"
        f" {estimate:.0f} s of upstream time alone (bookings run one after another), so clients should send"
        " batches their HTTP timeout can wait for; every id is safe to send again."
    )
    assert all(ResyncResult.DONE.value in row[-1] for row in rows), rows
    print(section("Re-sync: time and upstream calls per booking", body))


if __name__ == "__main__":
    main()
