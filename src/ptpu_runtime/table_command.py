"""`ptpu table backfill`: the cut-over step (docs/side-by-side.md), with `ptpu serve`'s settings. Exit codes: 0
done, 1 failed (re-run to resume from the checkpoint), 2 bad configuration or a table without the indexes."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from tqdm import tqdm

from ptpu_adapters.dynamodb.backfill import BackfillCounts, BackfillError, BackfillOptions, TableBackfill
from ptpu_runtime.config import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, load_settings
from ptpu_runtime.logging_setup import configure_logging

DEFAULT_CHECKPOINT = Path("ptpu-backfill.checkpoint.json")
MAX_SEGMENTS = 64  # a thread and a parallel Scan each: more would only throttle the table


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _segments(text: str) -> int:
    value = _at_least_one(text)
    if value > MAX_SEGMENTS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_SEGMENTS}")
    return value


def _stop_on_signals() -> None:
    """SIGINT and SIGTERM stop after each segment's page in hand, even when started with SIGINT ignored (`&`)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, interrupt)


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def add_table(subparsers: argparse._SubParsersAction) -> None:
    table = subparsers.add_parser("table", help="maintenance of the message table")
    actions = table.add_subparsers(dest="table_command", required=True)
    backfill = actions.add_parser(
        "backfill",
        help="add ptpu's index attributes to the items the existing service wrote (run once at cut-over)")
    backfill.add_argument(
        "--segments", type=_segments, default=4, help=f"parallel Scan segments, 1-{MAX_SEGMENTS} (default 4)")
    backfill.add_argument(
        "--max-items-per-second", type=_positive, default=None, help="read at most this many items a second")
    backfill.add_argument("--page-size", type=_at_least_one, default=100, help="items per Scan page (default 100)")
    backfill.add_argument(
        "--checkpoint", type=Path, default=DEFAULT_CHECKPOINT,
        help=f"where the position is kept for a re-run to resume (default ./{DEFAULT_CHECKPOINT})")
    backfill.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    backfill.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_table(args: argparse.Namespace) -> int:
    from ptpu_runtime.container import Container  # boto3 and the rest only when run

    settings = load_settings()  # a ConfigError is reported by `ptpu` itself (cli.main)
    configure_logging("WARNING")
    _stop_on_signals()
    options = BackfillOptions(segments=args.segments, page_size=args.page_size, dry_run=args.dry_run,
                              max_items_per_second=args.max_items_per_second, checkpoint=args.checkpoint)
    table = settings.dynamodb_table_name
    try:
        backfill = TableBackfill(Container(settings=settings).aws().dynamodb, table, options)
        total = backfill.approximate_item_count()
        if backfill.resuming():
            print(f"Resuming from {args.checkpoint}", file=sys.stderr)
    except BackfillError as error:
        print(f"Cannot backfill: {error}", file=sys.stderr)
        return EXIT_CONFIG
    bar = tqdm(total=total or None, unit="item", desc=f"backfill {table}", disable=args.no_progress, file=sys.stderr)
    lock = threading.Lock()
    seen = BackfillCounts()

    def progress(page: BackfillCounts) -> None:
        with lock:
            seen.add(page)
            bar.update(page.scanned)
            done = {"would_index" if args.dry_run else "indexed": seen.indexed}
            bar.set_postfix(**done, already=seen.already_indexed, unreadable=seen.unreadable)

    try:
        with bar:  # closed before anything below is printed
            counts = backfill.run(progress)
    except BackfillError as error:
        print(f"Cannot backfill: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except (Exception, KeyboardInterrupt) as error:  # any other failure, or Ctrl-C: say how to resume
        reason = "interrupted" if isinstance(error, KeyboardInterrupt) else str(error)
        print(f"Backfill stopped: {reason}. Run the same command again to resume from {args.checkpoint}.",
              file=sys.stderr)
        return EXIT_FAILURE
    print(summary(table, counts, args.dry_run))
    return EXIT_OK


def summary(table: str, counts: BackfillCounts, dry_run: bool) -> str:
    """Counts of this run and any it resumed."""
    verb = "would index" if dry_run else "indexed"
    statuses = ", ".join(f"{name} {count}" for name, count in sorted(counts.statuses.items())) or "-"
    rows = [
        ("items read", str(counts.scanned)),
        ("already indexed", str(counts.already_indexed)),
        (f"{verb}, pending", str(counts.indexed_pending)),
        (f"{verb}, processed", str(counts.indexed_processed)),
        (f"{verb}, by status", statuses),
        ("written meanwhile, left", str(counts.changed_meanwhile)
         + (" (run again once the existing service has stopped)" if counts.changed_meanwhile else "")),
        ("unreadable, left", str(counts.unreadable) + (" (named in the log)" if counts.unreadable else ""))]
    lines = [f"Backfill of {table} {'(dry run: nothing written) ' if dry_run else ''}finished"]
    lines += [f"  {label + ':':<26}{value}" for label, value in rows]
    return "\n".join(lines)
