"""A bound on request bodies: 413 in the HMPPS error shape past MAX_BODY_BYTES, read no further.

Without it a body sent to POST /resync without a token is read whole (55 MB grew the process from 104 MB
to 560 MB) before the 401. The largest body any operation needs is a re-sync of 500 NOMS
numbers (about 6 KB); the bound is 1 MiB, the default body limit of the nginx ingress in front of HMPPS
services, so the pod holds the line even when reached another way. A declared `Content-Length` over the
bound is refused before anything is read; a chunked body is counted as it arrives.
"""

from __future__ import annotations

import json

from ptpu_runtime.api.errors import error_body
from ptpu_runtime.api.head_requests import Asgi, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: bodies over `max_bytes` (bytes) answer 413 and are not read on."""

    def __init__(self, app: Asgi, max_bytes: int = MAX_BODY_BYTES) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._max:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        message = f"Request body larger than {self._max} bytes"
        body = json.dumps(error_body(413, message, message)).encode()
        await send({
            "type": "http.response.start", "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close")],
        })
        await send({"type": "http.response.body", "body": body})
