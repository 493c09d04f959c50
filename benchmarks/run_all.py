"""`make bench` / `make bench-full`: run every benchmark (each in its own process, sharing one moto
server) and write the results with benchmarks/NOTES.md appended.

- `make bench` (no flag): sizes that finish in under 10 minutes on a 2-core machine: ingest
  of 500 envelopes (moto's receive cost grows with the queue), read cost up to H = 30,000, memory over a
  200-record backlog and a 2,000-record report, the drain over 60 bookings; moto re-sorts the whole table
  on every Query/Scan page, so the larger tables wait for --full.
- `make bench-full` (--full): the full sizes (read cost at H = 1,000 / 10,000 / 100,000; memory
  over a 20,000-record backlog and a 100,000-record report). About 25 minutes here without the drain at
  2,000 bookings, which alone needs roughly an hour (its one-worker runs at 100 ms are the floor:
  2,000 x ~4.75 calls x 100 ms = ~16 minutes each).

Results go to build/benchmarks/RESULTS.md (RESULTS-full.md with --full), which git ignores, so a run
never dirties the checkout. The committed figures (benchmarks/RESULTS*.md) change only when asked:
`--output benchmarks/RESULTS.md` (`make bench BENCH_OUT=benchmarks/RESULTS.md`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import MAKE_TARGET_ENV, MOTO_PID_ENV, MOTO_URL_ENV, machine, moto_pid, moto_server

HERE = Path(__file__).resolve().parent
INGEST = ["bench_ingest.py", "--events", "2000", "--rounds", "1"]
INGEST_QUICK = ["bench_ingest.py", "--events", "500", "--rounds", "1"]
UPSTREAM = ["bench_upstream_calls.py", "--bookings", "200"]
DRAIN_QUICK = ["bench_drain.py", "--bookings", "60", "--latencies", "25", "100"]
DRAIN_FULL = ["bench_drain.py", "--bookings", "2000", "--latencies", "25", "100"]
CLIENT_CPU = ["bench_client_cpu.py", "--calls", "300", "--rounds", "5"]  # about 30 s
# make bench fits 10 minutes on 2 cores: moto's SQS receive and DynamoDB query cost grow with
# what the emulator holds, so ingest, memory and drain run at reduced sizes here and in full under --full.
QUICK = [
    INGEST_QUICK,
    ["bench_read_cost.py", "--sizes", "1000", "10000", "30000"],
    UPSTREAM,
    ["bench_memory.py", "--backlog", "200", "--report", "2000"],
    DRAIN_QUICK,
    CLIENT_CPU,
]
FULL = [
    INGEST,
    ["bench_read_cost.py", "--sizes", "1000", "10000", "100000"],
    UPSTREAM,
    ["bench_memory.py", "--backlog", "20000", "--report", "100000"],
    DRAIN_FULL,
    CLIENT_CPU,
]
NOTES = HERE / "NOTES.md"  # hand-written findings (profiles, missed goals), appended to the results
DEFAULT_OUTPUT_DIR = HERE.parent / "build" / "benchmarks"  # git-ignored


def results_path(full: bool, output: str | None = None) -> Path:
    """Where a run writes its results: `output` when given, else build/benchmarks/RESULTS[-full].md."""
    if output:
        return Path(output)
    return DEFAULT_OUTPUT_DIR / ("RESULTS-full.md" if full else "RESULTS.md")


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the full sizes")
    parser.add_argument("--output", help="results file (default build/benchmarks/RESULTS[-full].md, untracked; "
                        "benchmarks/RESULTS[-full].md replaces the committed figures)")
    args = parser.parse_args()
    runs, target = (FULL, "make bench-full") if args.full else (QUICK, "make bench")
    output = results_path(args.full, args.output)
    load_before = load_average()
    started = time.perf_counter()
    sections = []
    with moto_server() as url:
        env = os.environ | {MOTO_URL_ENV: url, MAKE_TARGET_ENV: target, MOTO_PID_ENV: str(moto_pid(url) or "")}
        for script, *script_args in runs:
            print(f"running {script} {' '.join(script_args)}", file=sys.stderr, flush=True)
            begun = time.perf_counter()
            done = subprocess.run(  # noqa: S603 - our own scripts
                [sys.executable, str(HERE / script), *script_args],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - begun
            if done.returncode != 0:
                sections.append(f"## {script}\n\nFAILED (exit {done.returncode}) after {seconds:.0f} s.\n")
            else:
                sections.append(done.stdout.strip() + f"\n\n_({script} took {seconds:.0f} s.)_\n")
    total = time.perf_counter() - started
    other = "RESULTS-full.md (`make bench-full`)" if not args.full else "RESULTS.md (`make bench`)"
    header = (
        f"# Benchmark results ({'full sizes' if args.full else 'make bench sizes'})\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, in {total / 60:.1f} minutes. Load average"
        f" before the run: {load_before}; after: {load_average()} (the benchmark's own processes included)."
        " Everything on loopback; moto server and the prison-api stub in their own processes."
        f" Reproduce all: `{target}` (`.venv/bin/python benchmarks/run_all.py{' --full' if args.full else ''}`)."
        f" The other size set is in {other}.\n"
    )
    notes = NOTES.read_text() if NOTES.exists() else ""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join([header, *sections, notes]))
    print(f"wrote {output} in {total:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
