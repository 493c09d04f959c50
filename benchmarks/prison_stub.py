"""A minimal, fast prison-api stub for the ingest benchmark: `python prison_stub.py PORT BOOKINGS`.

HTTP/1.1 with keep-alive (the simulators use one connection per request, which would make the stub,
not the service, the bottleneck). Bodies are pre-encoded. GET /__counts tells how many API GETs it served;
the ingest floor must issue exactly as many as the service did.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import booking_ids  # noqa: E402 - run as a script
from _world import bench_prison_record  # noqa: E402


def _bodies(count: int) -> dict[str, bytes]:
    bodies: dict[str, bytes] = {"/health/ping": b'{"status":"UP"}'}
    for index, booking_id in enumerate(booking_ids(count)):
        record = bench_prison_record(booking_id, index)
        base = f"/api/bookings/{booking_id}"
        bodies[base] = json.dumps(record.booking).encode()
        bodies[f"{base}/sentenceDetail"] = json.dumps(record.sentence_detail).encode()
        bodies[f"{base}/movement/1"] = json.dumps(record.movements[1]).encode()
        bodies[f"{base}/identifiers"] = json.dumps(record.identifiers).encode()
    return bodies


def serve(port: int, count: int) -> None:
    bodies = _bodies(count)
    counts: dict[str, int] = {"gets": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms delayed-ACK stalls

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            path = self.path.split("?", 1)[0]
            if path == "/__counts":
                self._send(200, json.dumps(counts).encode())
                return
            body = bodies.get(path)
            if path.startswith("/api/"):
                with lock:
                    counts["gets"] += 1
            if body is None:
                self._send(404, b'{"status":404,"userMessage":"not found"}')
            else:
                self._send(200, body)

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
