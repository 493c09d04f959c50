"""What an UpstreamClient tells its observers: every HTTP exchange, and how each call ended.

An exchange is one request on the wire (a transient-failure retry or a fresh-token retry is another one),
as Micrometer times each exchange of a Spring WebClient (`http.client.requests`). A call is what a caller
asked for: `UpstreamClient.call` returned (a 2xx or a named business status) or raised UpstreamFailure.
Observers must not raise: they run on the caller's thread, inside the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from attrs import frozen


@frozen
class Exchange:
    """One request. `uri`: the path's template (`paths.template_of`); `host`: the base URL's host;
    `status`: the HTTP status, or None with `error` the kind of failure when there was no answer."""

    service: str
    host: str
    method: str
    uri: str
    status: int | None
    error: str | None
    seconds: float


class CallObserver(Protocol):
    def exchanged(self, exchange: Exchange) -> None:
        """One request was answered (or failed to be)."""
        ...

    def call_finished(self, service: str, failure: str | None) -> None:
        """A call to `service` succeeded (`failure` None) or failed for good: `failure` is its kind
        (`HTTP 503`, `ConnectTimeout`; `base.failure_kind`), never a path or a body."""
        ...


class Observers:
    """Several observers as one, each told in order."""

    def __init__(self, observers: Sequence[CallObserver]) -> None:
        self._observers = tuple(observers)

    def exchanged(self, exchange: Exchange) -> None:
        for observer in self._observers:
            observer.exchanged(exchange)

    def call_finished(self, service: str, failure: str | None) -> None:
        for observer in self._observers:
            observer.call_finished(service, failure)


def _satisfies_protocol(observers: Observers) -> CallObserver:
    return observers  # mypy proves Observers is a CallObserver
