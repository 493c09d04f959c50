"""HEAD answered for every GET route, as Spring MVC does (RFC 9110 §9.3.2): same status and headers, no body.

FastAPI registers only the methods a route names, so `curl -I /health` answered 405 where the existing
service answered 200. This ASGI middleware runs a HEAD as the GET it stands for and drops the body on the
way out; a path with no GET still answers 405 (with its `Allow` header) from the router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

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
