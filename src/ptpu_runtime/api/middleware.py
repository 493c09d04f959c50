"""ASGI middleware. `HeadAsGet`: HEAD for every GET route, as Spring MVC (RFC 9110 §9.3.2): the GET's status
and headers, no body. `BodyLimit`: a body over MAX_BODY_BYTES (1 MiB, the nginx ingress's default) is a 413 in
the HMPPS shape, read no further (a declared Content-Length at once, a chunked body as it arrives)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ptpu_runtime.api.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class HeadAsGet:
    """ASGI middleware: `HEAD` → the route's `GET`, body discarded (headers, incl. Content-Length, kept)."""

    def __init__(self, app: Asgi) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self._app(scope, receive, send)
            return
        body_sent = False

        async def headers_only(message: Message) -> None:
            nonlocal body_sent
            if message["type"] == "http.response.body":
                if body_sent:
                    return
                if message.get("more_body", False):
                    return  # a streamed GET: wait for its end, then close the HEAD answer once
                body_sent = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self._app({**scope, "method": "GET"}, receive, headers_only)


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
                        (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
