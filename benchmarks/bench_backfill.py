"""Measure: `ptpu table backfill` over N items in the existing service's format on moto.

For each size: an unpaced run with 1 and with 4 segments (items a second, wall time), and a paced run
at --rate items a second (the rate it kept). moto is one Python process answering in turn, so more
segments gain little there; on DynamoDB they multiply the throughput until the pacing caps it. The
paced figure checks the cap holds: the measured rate must not exceed the one asked for.

    .venv/bin/python benchmarks/bench_backfill.py --sizes 2000 --rate 500
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration" / "aws"))

from _common import (
    aws,
    drop_table,
    fresh_resources,
    machine,
    markdown_table,
    moto_server,
    quiet_logs,
    section,
    stopwatch,
)
from existing_service_items import old_items, put_all

from ptpu_adapters.dynamodb.backfill import BackfillOptions, TableBackfill

NOW = datetime(2026, 11, 29, 12, 0)


def one_run(url: str, size: int, segments: int, rate: float | None) -> tuple[float, int]:
    clients = aws(url)
    names, _ = fresh_resources(clients, "backfill")
    try:
        put_all(clients.dynamodb, names.message_table, old_items(size, NOW))
        options = BackfillOptions(segments=segments, page_size=100, max_items_per_second=rate)
        with stopwatch() as elapsed:
            counts = TableBackfill(clients.dynamodb, names.message_table, options).run()
        return elapsed[0], counts.indexed
    finally:
        drop_table(clients, names.message_table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000])
    parser.add_argument("--rate", type=float, default=500.0)
    args = parser.parse_args()
    quiet_logs()
    rows = []
    with moto_server() as url:
        for size in args.sizes:
            for segments, rate in ((1, None), (4, None), (4, args.rate)):
                seconds, indexed = one_run(url, size, segments, rate)
                rows.append([size, segments, "-" if rate is None else f"{rate:.0f}", indexed,
                             f"{seconds:.1f}", f"{size / seconds:.0f}"])
    table = markdown_table(["items", "segments", "cap (items/s)", "indexed", "seconds", "items/s"], rows)
    print(section("Backfill throughput on moto", f"{machine()}\n\n{table}"))


if __name__ == "__main__":
    main()
