"""What every upstream client shares: base URL, timeouts, bearer token, error mapping, retries.

Statuses a caller names as business outcomes (e.g. a 404 that means "no such movement") are
handed back; every other non-2xx, a timeout or a connection error is an `UpstreamFailure`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Collection
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from attrs import frozen
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from ptpu_adapters.http.call_observer import CallObserver, Exchange
from ptpu_adapters.http.paths import template_of
from ptpu_adapters.observability.outage_log import OutageLog
from ptpu_core.errors import UpstreamFailure

log = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 2.0

TRANSIENT_STATUSES = frozenset({502, 503, 504})
BODY_EXCERPT_CHARS = 200


class TransientFailure(Exception):
    """What a retried call met (a timeout, a refused connection, a 502/503/504): logged, never raised."""


@frozen
class PingAnswer:
    """What GET /health/ping answered: the HTTP status and (an excerpt of) the body, or, when there was no
    answer at all, `status` None and the kind of failure in `error` (e.g. "ConnectTimeout")."""

    status: int | None
    body: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class TokenProvider(Protocol):
    def token(self) -> str: ...

    def invalidate(self) -> None: ...


def cookieless_session(pool_size: int | None = None) -> requests.Session:
    """A pooled session that stores no cookies: it is shared across threads, and none of the HMPPS APIs
    needs one (a stray JSESSIONID would otherwise ride on every later call, from every thread).

    `pool_size`: connections kept open per host, at least the threads that call it at once (processing
    workers + listener workers + a health ping); None keeps requests' default of 10. A smaller
    pool than callers makes urllib3 open and throw away a connection per call beyond it."""
    session = requests.Session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    if pool_size is not None:
        for scheme in ("http://", "https://"):
            session.mount(scheme, HTTPAdapter(pool_maxsize=pool_size))
    return session


@frozen
class EnvironmentSettings:
    """What requests would read from the environment on every call to one base URL, read once instead.

    `proxies`: HTTP(S)_PROXY / ALL_PROXY as `requests.utils.get_environ_proxies` gives them for the URL
    (empty when NO_PROXY names its host); `verify`: REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE, else True
    (requests' own order). A session that trusts the environment re-reads all of this, and stats ~/.netrc,
    on every request: about 0.6 ms of CPU a call with 35 variables and 1.2 ms with 185 (a pod with
    Kubernetes service links), measured by benchmarks/bench_client_cpu.py. Read once, the variables are
    fixed for the life of the process, as they are for a container."""

    proxies: dict[str, str]
    verify: bool | str

    @classmethod
    def read(cls, url: str) -> EnvironmentSettings:
        """The settings for `url` from os.environ now."""
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        return cls(dict(get_environ_proxies(url)), bundle or True)


class UpstreamClient:
    """One pooled session per upstream. Retries transient failures a few times with back-off.

    Every call this service makes sets state (PUT/POST replace values), so retrying a write is as
    safe as retrying a read.

    The session stops trusting the environment (`trust_env` False): its proxy and CA-bundle variables
    are read once here (EnvironmentSettings) and passed on each call, and ~/.netrc is never read (a
    netrc entry for the host would otherwise replace the bearer token with Basic credentials).

    `observer` (call_observer) is told of every exchange and of how every `call` ended: metrics and the
    upstream's recent-calls health read it. The /health ping is not a call and is not observed.
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        tokens: TokenProvider,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        retries: int = 2,
        retry_delay: float = 0.2,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        observer: CallObserver | None = None,
    ) -> None:
        self.service = service
        self._base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._timeout = (connect_timeout, read_timeout)
        # A health ping waits at most PING_TIMEOUT_SECONDS each way: /health must answer while an upstream
        # hangs (the existing service's HealthCheck bounds its ping the same way, hmpps health-timeout).
        self._ping_timeout = (min(connect_timeout, PING_TIMEOUT_SECONDS), min(read_timeout, PING_TIMEOUT_SECONDS))
        self._retries = retries
        self._retry_delay = retry_delay
        self._session = session or cookieless_session()
        self._session.trust_env = False
        self._environment = EnvironmentSettings.read(self._base_url)
        self._sleep = sleep
        # Transient failures retried: the first a WARNING, then a count a minute until a call answers.
        self._retried = OutageLog(log, f"{service} call")
        self._observer = observer
        self._host = urlsplit(self._base_url).hostname or "none"

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        business_statuses: Collection[int] = (),
    ) -> requests.Response:
        """The response when 2xx or a named business status; UpstreamFailure otherwise.

        `path` is sent as it is: build it with `paths.path`, which encodes every value as one segment."""
        try:
            response = self._call(method, path, params, json, business_statuses)
        except UpstreamFailure as failure:
            if self._observer is not None:
                self._observer.call_finished(self.service, failure_kind(failure))
            raise
        if self._observer is not None:
            self._observer.call_finished(self.service, None)
        return response

    def _call(
        self, method: str, path: str, params: Any, json: Any, business_statuses: Collection[int]
    ) -> requests.Response:
        for attempt in range(self._retries + 1):
            try:
                response = self._send_authorised(method, path, params, json)
            except UpstreamFailure as failure:
                if attempt < self._retries:
                    cause = failure.detail.removeprefix(f"{method} {path} ").removeprefix("failed: ")
                    self._back_off(attempt, method, path, cause)
                    continue
                raise
            if response.status_code in TRANSIENT_STATUSES and attempt < self._retries:
                self._back_off(attempt, method, path, f"answered {response.status_code}")
                continue
            if response.ok or response.status_code in business_statuses:
                self._retried.success()
                return response
            raise UpstreamFailure(
                self.service, f"{method} {path} answered {_excerpt(response)}", response.status_code
            )
        raise AssertionError("unreachable: the last attempt returns or raises")

    def json(self, response: requests.Response) -> Any:
        """The parsed body; a body that is not JSON is the upstream's failure, not ours."""
        try:
            return response.json()
        except ValueError as error:
            raise UpstreamFailure(
                self.service, f"non-JSON body from {response.request.method} {response.url}", response.status_code
            ) from error

    def ping(self) -> bool:
        """True when GET /health/ping answers 2xx; never raises."""
        return self.ping_answer().ok

    def ping_answer(self) -> PingAnswer:
        """GET /health/ping without a token, as the existing service's health checks do; never raises."""
        try:
            response = self._session.get(
                self._base_url + "/health/ping",
                timeout=self._ping_timeout,
                proxies=self._environment.proxies,
                verify=self._environment.verify,
            )
        except requests.exceptions.ProxyError:
            return PingAnswer(None, error=f"ProxyError (proxy {self._proxy_shown()})")
        except requests.RequestException as error:
            return PingAnswer(None, error=type(error).__name__)
        body = response.text
        return PingAnswer(response.status_code, body[:BODY_EXCERPT_CHARS])

    def close(self) -> None:
        self._session.close()

    def _send_authorised(self, method: str, path: str, params: Any, json: Any) -> requests.Response:
        response = self._send(method, path, params, json, self._tokens.token())
        if response.status_code == 401:
            # The token may have been revoked or expired early: one fresh token, one more try.
            self._tokens.invalidate()
            response = self._send(method, path, params, json, self._tokens.token())
        return response

    def _send(self, method: str, path: str, params: Any, json: Any, token: str) -> requests.Response:
        """One exchange, timed and observed."""
        started = time.perf_counter()
        try:
            response = self._request(method, path, params, json, token)
        except UpstreamFailure as failure:
            # Micrometer's status when there was no answer: IO_ERROR for an IOException (every requests
            # failure is one), CLIENT_ERROR otherwise (spring-boot WebClientExchangeTags.status).
            io = isinstance(failure.__cause__, OSError)
            self._exchanged(method, path, None, "IO_ERROR" if io else "CLIENT_ERROR", started)
            raise
        self._exchanged(method, path, response.status_code, None, started)
        return response

    def _exchanged(self, method: str, path: str, status: int | None, error: str | None, started: float) -> None:
        if self._observer is not None:
            seconds = time.perf_counter() - started
            exchange = Exchange(self.service, self._host, method, template_of(path), status, error, seconds)
            self._observer.exchanged(exchange)

    def _request(self, method: str, path: str, params: Any, json: Any, token: str) -> requests.Response:
        try:
            return self._session.request(
                method,
                self._base_url + path,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self._timeout,
                proxies=self._environment.proxies,
                verify=self._environment.verify,
            )
        except requests.Timeout as error:
            raise UpstreamFailure(self.service, f"{method} {path} timed out") from error
        except requests.exceptions.ProxyError as error:
            raise UpstreamFailure(
                self.service, f"{method} {path} failed: ProxyError (proxy {self._proxy_shown()})"
            ) from error
        except requests.RequestException as error:
            raise UpstreamFailure(self.service, f"{method} {path} failed: {type(error).__name__}") from error

    def _proxy_shown(self) -> str:
        """host:port of the proxy this API's calls go through (never its credentials)."""
        scheme = urlsplit(self._base_url).scheme
        proxy = self._environment.proxies.get(scheme) or self._environment.proxies.get("all") or ""
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)

    def _back_off(self, attempt: int, method: str, path: str, cause: str) -> None:
        delay = self._retry_delay * 2**attempt
        self._retried.failure(TransientFailure(cause), about=f"{method} {path}, transient, retrying in {delay:.2f}s",
                              level=logging.WARNING, traceback=False)
        self._sleep(delay)


def failure_kind(failure: UpstreamFailure) -> str:
    """How a call failed, naming no path, id or body (it is shown on the open /health): `HTTP 503`, or the
    kind of error when there was no answer (`ConnectTimeout`, `ConnectionError`, `ReadTimeout`)."""
    if failure.status is not None:
        return f"HTTP {failure.status}"
    return type(failure.__cause__).__name__ if failure.__cause__ is not None else "no answer"


def _excerpt(response: requests.Response) -> str:
    text = response.text.strip()
    if len(text) > BODY_EXCERPT_CHARS:
        text = text[:BODY_EXCERPT_CHARS] + "..."
    return f"{response.status_code}: {text}" if text else str(response.status_code)
