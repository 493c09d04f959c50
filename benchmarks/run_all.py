"""`make bench`: run every benchmark (each in its own process, sharing one moto server) and write
benchmarks/RESULTS.md. Sizes are chosen to finish in under 10 minutes on a 2-core machine; each script
takes larger ones on its command line (see its docstring)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import MOTO_URL_ENV, machine, moto_server

HERE = Path(__file__).resolve().parent
RUNS = [
    ["bench_ingest.py", "--events", "2000", "--rounds", "1"],
    ["bench_read_cost.py", "--sizes", "1000", "10000", "50000"],
    ["bench_upstream_calls.py", "--bookings", "200"],
    ["bench_memory.py", "--backlog", "10000", "--report", "20000"],
    ["bench_throughput.py", "--bookings", "150"],
]
NOTES = HERE / "NOTES.md"  # hand-written findings (profiles, missed goals), appended to the results


def main() -> None:
    started = time.perf_counter()
    sections = []
    with moto_server() as url:
        env = os.environ | {MOTO_URL_ENV: url}
        for script, *args in RUNS:
            print(f"running {script} {' '.join(args)}", file=sys.stderr, flush=True)
            begun = time.perf_counter()
            done = subprocess.run(  # noqa: S603 - our own scripts
                [sys.executable, str(HERE / script), *args], env=env, stdout=subprocess.PIPE, text=True, check=False
            )
            seconds = time.perf_counter() - begun
            if done.returncode != 0:
                sections.append(f"## {script}\n\nFAILED (exit {done.returncode}) after {seconds:.0f} s.\n")
            else:
                sections.append(done.stdout.strip() + f"\n\n_({script} took {seconds:.0f} s.)_\n")
    total = time.perf_counter() - started
    header = (
        "# Benchmark results\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, in {total / 60:.1f} minutes, while other"
        " work shared the machine. Everything on loopback; moto server and the prison-api stub in their own"
        " processes. Reproduce all: `make bench` (`.venv/bin/python benchmarks/run_all.py`).\n"
    )
    notes = NOTES.read_text() if NOTES.exists() else ""
    (HERE / "RESULTS.md").write_text("\n".join([header, *sections, notes]))
    print(f"wrote {HERE / 'RESULTS.md'} in {total:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
