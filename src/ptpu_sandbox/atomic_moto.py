"""moto with DynamoDB's per-item write atomicity: one DynamoDB request at a time.

moto's UpdateItem/PutItem read the item, check the ConditionExpression, then write, with no lock, and its
server is threaded: two racing conditional writes can both pass their checks. Real DynamoDB applies
each write to an item atomically, and the per-booking leases (ptpu_adapters.dynamodb.booking_leases) rely on
that, as ShedLock does: with four processes taking leases on plain moto, a few bookings are
leased by two at once. Serialising only DynamoDB and DynamoDB Streams
requests keeps the rest concurrent (an SQS long poll must not hold up the table).

    python -m ptpu_sandbox.atomic_moto HOST PORT     # a moto server, as `python -m moto.server -H -p`
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server, run_simple

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def atomic_dynamodb(app: Wsgi) -> Wsgi:
    """`app` with every DynamoDB request (X-Amz-Target DynamoDB_*/DynamoDBStreams_*) handled alone."""
    lock = threading.Lock()

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return app(environ, start_response)
        with lock:
            return list(app(environ, start_response))  # the whole body inside the lock

    return serve


class AtomicMotoServer(ThreadedMotoServer):
    """moto's ThreadedMotoServer serving `atomic_dynamodb(moto)`."""

    def _server_entry(self) -> None:
        app = atomic_dynamodb(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = atomic_dynamodb(DomainDispatcherApplication(create_backend_app))
    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
