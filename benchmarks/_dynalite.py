"""dynalite (npm; a Node.js DynamoDB emulator on LevelDB, written independently of moto) as a child server.

The drain (bench_drain.py --dynamodb dynalite) keeps its message and schedule tables there: moto spends
about 8.5 ms of one core per DynamoDB request and serialises them (benchmarks/NOTES.md), which bounded the
drain at ~22 bookings/s whatever the workers. Installed by `npm ci --prefix benchmarks/dynalite`.

What ptpu uses and dynalite 4.0.0 serves: CreateTable with five GSIs (ALL and KEYS_ONLY projections),
conditional UpdateItem/PutItem with condition and update expressions, Query on the GSIs with key
conditions, filters and Limit, BatchGetItem (consistent), GetItem, Scan, DeleteItem. Not served:
UpdateTimeToLive (the bench creates its tables without the TTL setting; TTL only matters after 14 days)
and DynamoDB Streams (the bench logs the lease writes itself: _lease_log.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import child_server

from ptpu_sandbox.ports import free_port

CLI = Path(__file__).resolve().parent / "dynalite" / "node_modules" / "dynalite" / "cli.js"


def installed() -> bool:
    """True when `npm ci --prefix benchmarks/dynalite` has run and node is on the PATH."""
    return CLI.is_file() and shutil.which("node") is not None


@contextmanager
def dynalite_server() -> Iterator[str]:
    """An in-memory dynalite on a free loopback port, SIGKILLed if this process dies (see child_server);
    tables are created, updated and deleted at once (no simulated CREATING state)."""
    port = free_port()
    node = shutil.which("node") or "node"
    args = [node, str(CLI), "--host", "127.0.0.1", "--port", str(port),
            "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
    with child_server(args, f"http://127.0.0.1:{port}") as url:
        yield url
