"""Request/response values and routing shared by the simulated APIs (no server code here)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from attrs import field, frozen


@frozen
class SimRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def query_param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def bearer_token(self) -> str | None:
        value = self.header("Authorization") or ""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None


@frozen
class SimResponse:
    status: int
    body: Any = None
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, str) and not self.content_type.startswith("application/json"):
            return self.body.encode()
        return json.dumps(self.body).encode()


def ok(body: Any, status: int = 200) -> SimResponse:
    return SimResponse(status, body)


def error(status: int, developer_message: str) -> SimResponse:
    """The HMPPS error body shape the real APIs return."""
    return SimResponse(
        status,
        {"status": status, "userMessage": developer_message, "developerMessage": developer_message},
    )


Handler = Callable[..., SimResponse]


def _compile(template: str) -> re.Pattern[str]:
    # "/api/bookings/{booking_id}" -> named groups, one path segment each.
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{pattern}$")


@frozen
class Route:
    """`handler(request, **path_params)`; `secured` routes need a valid bearer token."""

    method: str
    template: str
    handler: Handler
    secured: bool = True
    pattern: re.Pattern[str] = field(init=False)

    @pattern.default
    def _pattern(self) -> re.Pattern[str]:
        return _compile(self.template)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = self.pattern.match(path)
        return found.groupdict() if found else None
