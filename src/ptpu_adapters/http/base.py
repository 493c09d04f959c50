"""What every upstream client shares: base URL, timeouts (seconds), bearer token, error mapping, retries.
Statuses a caller names as business outcomes (a 404 "no such movement") are handed back; any other non-2xx,
a timeout or a connection error is an `UpstreamFailure`."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Collection
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests
from attrs import frozen
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter
from requests.utils import get_environ_proxies

from ptpu_adapters.http import wire
from ptpu_adapters.http.calls import Exchange, UpstreamCalls
from ptpu_core.errors import UpstreamFailure
from ptpu_core.work.outage_log import OutageLog

log = logging.getLogger(__name__)
T = TypeVar("T")

PING_TIMEOUT_SECONDS = 2.0
TRANSIENT_STATUSES = frozenset({502, 503, 504})
BODY_EXCERPT_CHARS = 200


class TransientFailure(Exception):
    """A retried call's timeout, refused connection or 502/503/504: logged, never raised."""


@frozen
class PingAnswer:
    """GET /health/ping's status and body excerpt; `status` None with `error` (e.g. "ConnectTimeout")
    when there was no answer."""

    status: int | None
    body: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class TokenProvider(Protocol):
    def token(self) -> str: ...

    def invalidate(self) -> None: ...


def cookieless_session(pool_size: int = DEFAULT_POOLSIZE) -> requests.Session:
    """A session that stores no cookies (shared across threads; no HMPPS API needs one); `pool_size`:
    connections kept per host."""
    session = requests.Session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    for scheme in ("http://", "https://"):
        session.mount(scheme, HTTPAdapter(pool_maxsize=pool_size))
    return session


def environment_settings(url: str) -> dict[str, Any]:
    """What requests would read from the environment on every call, as its keyword arguments, read once:
    `proxies` as `get_environ_proxies` gives them; `verify`: REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE, else True."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return {"proxies": dict(get_environ_proxies(url)), "verify": bundle or True}


@frozen
class CallSettings:
    """Per-attempt timeouts (seconds) and the retries of transient failures, `retry_delay` doubling."""

    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    retries: int = 2
    retry_delay: float = 0.2


class UpstreamClient:
    """Retries transient failures with back-off (every call sets state, so a retried write is as safe as a
    read) and a 401 once with a fresh token. Proxies and CA bundle are read once, ~/.netrc never (it would
    replace the bearer token). `calls` is told of every exchange and call; the /health ping is neither."""

    def __init__(
        self, service: str, base_url: str, tokens: TokenProvider, settings: CallSettings = CallSettings(), *,
        session: requests.Session | None = None, calls: UpstreamCalls | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.service = service
        self._base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._settings = settings
        self._timeout = (settings.connect_timeout, settings.read_timeout)
        # /health must answer while an upstream hangs (the existing service bounds its ping the same way).
        self._ping_timeout = (min(settings.connect_timeout, PING_TIMEOUT_SECONDS),
                              min(settings.read_timeout, PING_TIMEOUT_SECONDS))
        self._session = session or cookieless_session()
        self._session.trust_env = False
        self._environment = environment_settings(self._base_url)
        self._sleep = sleep
        self._retried = OutageLog(log, f"{service} call", time.monotonic)
        self._calls = calls or UpstreamCalls()
        self._host = urlsplit(self._base_url).hostname or "none"
        self._converter = wire.make_converter()

    def call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, json: Any = None,
        business_statuses: Collection[int] = (),
    ) -> requests.Response:
        """The response when 2xx or a named business status; UpstreamFailure otherwise. `json`: a body the wire
        converter writes (a model or plain JSON). Build `path` with `wire.path`, which encodes every value as one
        segment."""
        try:
            response = self._call(method, path, params, self._converter.unstructure(json), business_statuses)
        except UpstreamFailure as failure:
            self._calls.call_finished(self.service, failure)
            raise
        self._calls.call_finished(self.service, None)
        return response

    def _call(
        self, method: str, path: str, params: Any, json: Any, business_statuses: Collection[int]
    ) -> requests.Response:
        retries = self._settings.retries
        for attempt in range(retries + 1):
            try:
                response = self._send_authorised(method, path, params, json)
            except UpstreamFailure as failure:
                if attempt == retries:
                    raise
                self._back_off(attempt, method, path, failure.detail.removeprefix(f"{method} {path} "))
                continue
            if response.status_code in TRANSIENT_STATUSES and attempt < retries:
                self._back_off(attempt, method, path, f"answered {response.status_code}")
                continue
            if response.ok or response.status_code in business_statuses:
                self._retried.success()
                return response
            raise UpstreamFailure(
                self.service, f"{method} {path} answered {_excerpt(response)}", response.status_code
            )
        raise AssertionError("unreachable: the last attempt returns or raises")

    def read(self, response: requests.Response, cl: type[T]) -> T:
        """The JSON body as a `cl`; a body that is not JSON, or not a `cl`, is the upstream's failure, not ours."""
        try:
            data = response.json()
        except ValueError as error:
            raise UpstreamFailure(
                self.service, f"non-JSON body from {response.request.method} {response.url}", response.status_code
            ) from error
        return wire.read(self._converter, data, cl, self.service)

    def ping_answer(self) -> PingAnswer:
        """GET /health/ping without a token, as the existing service's health checks do; never raises."""
        try:
            response = self._session.get(self._base_url + "/health/ping", timeout=self._ping_timeout,
                                         **self._environment)
        except requests.RequestException as error:
            return PingAnswer(None, error=self._error_name(error))
        return PingAnswer(response.status_code, response.text[:BODY_EXCERPT_CHARS])

    def close(self) -> None:
        self._session.close()

    def _send_authorised(self, method: str, path: str, params: Any, json: Any) -> requests.Response:
        response = self._send(method, path, params, json, self._tokens.token())
        if response.status_code == 401:  # revoked or expired early: one fresh token, one more try
            self._tokens.invalidate()
            response = self._send(method, path, params, json, self._tokens.token())
        return response

    def _send(self, method: str, path: str, params: Any, json: Any, token: str) -> requests.Response:
        started = time.perf_counter()
        try:
            response = self._session.request(
                method, self._base_url + path, params=params, json=json,
                headers={"Authorization": f"Bearer {token}"}, timeout=self._timeout, **self._environment,
            )
        except requests.RequestException as error:
            # Micrometer's status for an IOException, which every requests failure is
            # (spring-boot WebClientExchangeTags.status).
            self._exchanged(method, path, None, "IO_ERROR", started)
            cause = "timed out" if isinstance(error, requests.Timeout) else f"failed: {self._error_name(error)}"
            raise UpstreamFailure(self.service, f"{method} {path} {cause}") from error
        self._exchanged(method, path, response.status_code, None, started)
        return response

    def _exchanged(self, method: str, path: str, status: int | None, error: str | None, started: float) -> None:
        seconds = time.perf_counter() - started
        self._calls.exchanged(Exchange(self._host, method, wire.template_of(path), status, error, seconds))

    def _error_name(self, error: requests.RequestException) -> str:
        """The error's class name; for a proxy error also the proxy's host:port (never its credentials)."""
        if not isinstance(error, requests.exceptions.ProxyError):
            return type(error).__name__
        proxies = self._environment["proxies"]
        proxy = proxies.get(urlsplit(self._base_url).scheme) or proxies.get("all") or ""
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        shown = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        return f"ProxyError (proxy {shown})"

    def _back_off(self, attempt: int, method: str, path: str, cause: str) -> None:
        delay = self._settings.retry_delay * 2**attempt
        self._retried.failure(TransientFailure(cause.removeprefix("failed: ")),
                              about=f"{method} {path}, transient, retrying in {delay:.2f}s",
                              level=logging.WARNING, traceback=False)
        self._sleep(delay)


def _excerpt(response: requests.Response) -> str:
    text = response.text.strip()
    if len(text) > BODY_EXCERPT_CHARS:
        text = text[:BODY_EXCERPT_CHARS] + "..."
    return f"{response.status_code}: {text}" if text else str(response.status_code)
