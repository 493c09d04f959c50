"""An HTTP proxy for a browser under test: it records every request the browser makes, forwards those for
the names it is given to loopback ports, and refuses everything else (so nothing leaves the machine).

    with RecordingProxy({"ptpu.test": 8080}) as proxy:   # http://ptpu.test/... -> 127.0.0.1:8080
        chromium --proxy-server=proxy.url --proxy-bypass-list="<-loopback>" ...
    proxy.refused   # ["CONNECT cdn.example:443", "GET http://other.example/x", ...]

`<-loopback>` removes Chromium's implicit bypass for localhost, so even loopback requests are seen.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "proxy-authorization"}


class RecordingProxy:
    def __init__(self, routes: dict[str, int]) -> None:
        """`routes`: host name (as the browser writes it) -> loopback port it is forwarded to."""
        self.routes = dict(routes)
        self.forwarded: list[str] = []
        self.refused: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, line: str, forwarded: bool) -> None:
        with self._lock:
            (self.forwarded if forwarded else self.refused).append(line)

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(proxy: RecordingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass

        def do_CONNECT(self) -> None:  # noqa: N802 - http.server's naming
            proxy.record(f"CONNECT {self.path}", forwarded=False)  # TLS: never to loopback here
            self.send_error(403, "this proxy reaches loopback only")

        def _relay(self) -> None:
            target = urlsplit(self.path)
            port = proxy.routes.get(target.hostname or "")
            line = f"{self.command} {self.path}"
            if target.scheme != "http" or port is None:
                proxy.record(line, forwarded=False)
                self.send_error(403, "this proxy reaches loopback only")
                return
            proxy.record(line, forwarded=True)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, path or "/", body=body, headers=headers)
                answer = upstream.getresponse()
                content = answer.read()
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(content)
            finally:
                upstream.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _relay  # noqa: N815

    return Handler
