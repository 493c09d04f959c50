"""The base of every simulated API: a stdlib threaded HTTP server on loopback, with routing,
bearer-token checks, fault injection, a log of write requests and `/__sim/*` test controls.

Stdlib `ThreadingHTTPServer` because it binds and serves in milliseconds. HTTP/1.0 (one connection per
request) by default; `start(keep_alive=True)` answers HTTP/1.1 and keeps connections open, as the real
APIs do, for the benchmarks: a new connection per call costs the client a TCP connect and the simulator a
thread, CPU that a service keeping its pooled connections never spends. Either way `stop()` is final: it
shuts down every connection still open, so no kept-alive connection can reach a stopped simulator.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from attrs import frozen

from ptpu_sandbox.simulators.faults import FaultInjector, FaultRule
from ptpu_sandbox.simulators.http import Route, SimRequest, SimResponse, error, ok

log = logging.getLogger(__name__)

TokenVerifier = Callable[[str], bool]
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONTROL_PREFIX = "/__sim/"


def accept_any_token(token: str) -> bool:
    return bool(token)


@frozen
class LoggedRequest:
    method: str
    path: str
    body: Any
    status: int

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "body": self.body, "status": self.status}


class _LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the stdlib's 5 stalls clients when an e2e test fans out

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: dict[socket.socket, bool] = {}  # connection -> answering a request now
        self._open_lock = threading.Lock()
        self.clients_gone = 0  # answers that found their client gone (see handle_error)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.mark(request, busy=False)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left before its answer (a timed-out call to an injected delay) is normal here: no
        traceback among the service's log lines. Anything else is printed as the stdlib does."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            with self._open_lock:
                self.clients_gone += 1
            return
        super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.pop(request, None)
        super().shutdown_request(request)

    def mark(self, connection: socket.socket, *, busy: bool) -> None:
        with self._open_lock:
            self._open[connection] = busy

    def close_connections(self) -> None:
        """Shut down every open connection not answering a request (a kept-alive one waits in its
        handler's read); one answering finishes its answer (an injected delay is cut short) and closes."""
        with self._open_lock:
            idle = [connection for connection, busy in self._open.items() if not busy]
        for connection in idle:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class HttpSimulator:
    """Subclasses provide `routes()`, and override `state()` / `reset()` when they hold state."""

    name = "simulator"

    def __init__(self, token_verifier: TokenVerifier = accept_any_token) -> None:
        self.token_verifier = token_verifier
        self.faults = FaultInjector()
        self._log_lock = threading.Lock()
        self._requests: list[LoggedRequest] = []
        self._routes = self.routes()
        self._server: _LoopbackServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- to override -------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        raise NotImplementedError

    def state(self) -> Any:
        return {}

    def reset(self) -> None:
        self.faults.clear()
        self.clear_requests()

    # --- test controls -----------------------------------------------------------------------
    @property
    def requests_log(self) -> list[LoggedRequest]:
        """Every write request received (oldest first), including ones answered with an error."""
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def inject_fault(
        self,
        status: int | None = 500,
        rate: float = 1.0,
        delay_seconds: float = 0.0,
        paths: str | None = None,
        methods: list[str] | None = None,
        times: int | None = None,
        seed: int = 0,
    ) -> None:
        self.faults.set(FaultRule(status, rate, delay_seconds, paths, methods, times, seed))  # type: ignore[arg-type]

    def clear_faults(self) -> None:
        self.faults.clear()

    @property
    def clients_gone(self) -> int:
        """Answers that found their client gone (a call that timed out on an injected delay)."""
        return 0 if self._server is None else self._server.clients_gone

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0, *, keep_alive: bool = False) -> HttpSimulator:
        """Serve on `host`:`port` (0: a free port) from a background thread; `keep_alive` answers HTTP/1.1
        and keeps connections open (see the module's docstring). RuntimeError if already running."""
        if self._server is not None:
            raise RuntimeError(f"{self.name} is already running at {self.url}")
        server = _LoopbackServer((host, port), _handler_for(self, keep_alive))
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sim-{self.name}", daemon=True
        )
        self._thread.start()
        log.debug("%s simulator listening on %s", self.name, self.url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in an injected delay
        server.shutdown()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running")
        host = self._server.server_address[0]
        return f"http://{host if isinstance(host, str) else host.decode()}:{self.port}"

    def __enter__(self) -> HttpSimulator:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def stopping(self) -> bool:
        """True from the start of `stop()` until the next `start()`."""
        return self._stopping.is_set()

    # --- request handling --------------------------------------------------------------------
    def handle(self, request: SimRequest) -> SimResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)
        response = self._serve(request)
        if request.method in WRITE_METHODS:
            logged = LoggedRequest(request.method, request.path, _json_or_text(request), response.status)
            with self._log_lock:
                self._requests.append(logged)
        return response

    def _serve(self, request: SimRequest) -> SimResponse:
        fault = self.faults.pick(request.method, request.path)
        if fault is not None:
            if fault.delay_seconds:
                self._stopping.wait(fault.delay_seconds)
            if fault.status is not None:
                return error(fault.status, f"Injected fault in {self.name}")
        for route in self._routes:
            params = route.match(request.method, request.path)
            if params is None:
                continue
            if route.secured and not self._authorised(request):
                return error(401, "Full authentication is required to access this resource")
            try:
                return route.handler(request, **params)
            except (ValueError, KeyError, TypeError) as bad:
                return error(400, f"Bad request: {bad}")
        return error(404, f"No handler for {request.method} {request.path}")

    def _authorised(self, request: SimRequest) -> bool:
        token = request.bearer_token()
        return token is not None and self.token_verifier(token)

    def _control(self, request: SimRequest) -> SimResponse:
        route = (request.method, request.path)
        if route == ("GET", "/__sim/state"):
            return ok(self.state())
        if route == ("GET", "/__sim/requests"):
            return ok([r.to_json() for r in self.requests_log])
        if route == ("DELETE", "/__sim/requests"):
            self.clear_requests()
            return SimResponse(204)
        if route == ("GET", "/__sim/faults"):
            rule = self.faults.rule
            return ok(None if rule is None else rule.to_json())
        if route == ("POST", "/__sim/faults"):
            try:
                self.faults.set(FaultRule.from_json(request.json() or {}))
            except (ValueError, TypeError) as bad:
                return error(400, str(bad))
            return SimResponse(204)
        if route == ("DELETE", "/__sim/faults"):
            self.clear_faults()
            return SimResponse(204)
        if route == ("POST", "/__sim/reset"):
            self.reset()
            return SimResponse(204)
        return error(404, f"No control {request.method} {request.path}")


def _json_or_text(request: SimRequest) -> Any:
    try:
        return request.json()
    except ValueError:
        return request.body.decode(errors="replace")


def _handler_for(simulator: HttpSimulator, keep_alive: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"ptpu-sim-{simulator.name}"
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
        # Headers and body go out as two writes: without TCP_NODELAY, on a kept-alive connection the body
        # would wait for the client's delayed ACK of the headers (tens of milliseconds).
        disable_nagle_algorithm = True

        def _dispatch(self) -> None:
            server: _LoopbackServer = self.server  # type: ignore[assignment]
            server.mark(self.connection, busy=True)
            try:
                self._answer()
            finally:
                if simulator.stopping:
                    self.close_connection = True  # a stopped simulator answers nothing more on it
                server.mark(self.connection, busy=False)

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = SimRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers=dict(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            try:
                response = simulator.handle(request)
            except Exception as unexpected:  # a simulator bug must answer, not hang the client
                log.exception("%s simulator failed on %s %s", simulator.name, self.command, self.path)
                response = error(500, f"Simulator error: {unexpected}")
            payload = response.encoded()
            self.send_response(response.status)
            if payload:
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            log.debug("%s: " + format, simulator.name, *args)

    return Handler

