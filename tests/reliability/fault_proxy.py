"""A forwarding HTTP proxy that fails or loses answers: between a client and the moto server (or any HTTP API).

Each request is forwarded to the upstream as it is. When the sandbox's `FaultInjector` picks a
request (its rule's `paths` is matched against the AWS `X-Amz-Target` header when there is one,
e.g. `DynamoDB_20120810.PutItem`, else against the path):
- rule `status=None`: the upstream still receives and applies it, but the client gets no answer
  (the connection is closed): "the write landed, its answer was lost";
- rule `status=500` (any status): the request is not forwarded and the client gets that status
  with a DynamoDB-style error body: "the store failed".
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ptpu_sandbox.simulators.faults import FaultInjector

_ERROR_BODY = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected"}'
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class AnswerLosingProxy:
    """`start()` serves on a free loopback port (`url`); `faults` decides which answers are lost."""

    def __init__(self, upstream_url: str) -> None:
        upstream = urlsplit(upstream_url)
        self.faults = FaultInjector()
        self.lost: list[str] = []  # the target (or path) of each request whose answer was dropped
        self.failed: list[str] = []  # ... and of each request answered with the rule's status instead
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(upstream.hostname or "", upstream.port, self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> AnswerLosingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler_for(host: str, port: int | None, proxy: AnswerLosingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._forward()

        def do_POST(self) -> None:  # noqa: N802
            self._forward()

        def do_PUT(self) -> None:  # noqa: N802
            self._forward()

        def do_DELETE(self) -> None:  # noqa: N802
            self._forward()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            target = self.headers.get("X-Amz-Target") or self.path
            rule = proxy.faults.pick(self.command, target)
            if rule is not None and rule.status is not None:
                proxy.failed.append(target)
                self._answer(rule.status, [("Content-Type", "application/x-amz-json-1.0")], _ERROR_BODY)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream = http.client.HTTPConnection(host, port, timeout=30)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
            finally:
                upstream.close()
            if rule is not None:
                proxy.lost.append(target)
                self.close_connection = True  # applied upstream; the client hears nothing
                return
            self._answer(answer.status, answer.getheaders(), payload)

        def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler
