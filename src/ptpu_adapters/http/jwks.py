"""HMPPS Auth's signing keys (GET {oauth}/.well-known/jwks.json), cached as Spring Security's JWK-set
decoder does (5 minutes, at most one retrieval per 30 s) and fetched on a thread of its own: a caller waits
at most `wait_seconds`. A set read replaces the whole; a failed fetch keeps it. Unknown kid: KeyUnavailable.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

log = logging.getLogger(__name__)

JWKS_PATH = "/.well-known/jwks.json"


class KeyUnavailable(Exception):
    """No trusted key with that id: unknown to the last set read, or no set could be read in time."""


def parse_jwks(data: Any) -> dict[str, jwt.PyJWK]:
    """{kid: key} of the RSA signing keys with a kid in a JWKS document (any JSON value), others left out
    (PyJWKSet drops the unreadable ones); ValueError when it is not a JWKS or holds no usable key."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("not a JWKS document (an object with a 'keys' list)")
    try:
        readable = list(jwt.PyJWKSet.from_dict(data))
    except jwt.PyJWKSetError:  # no key in it could be read
        readable = []
    keys = {
        key.key_id: key for key in readable
        if isinstance(key.key_id, str) and key.key_type == "RSA" and key.public_key_use in (None, "sig")
    }
    if not keys:
        raise ValueError("no usable RSA signing key")
    ignored = [entry.get("kid") for entry in data["keys"] if isinstance(entry, dict) and entry.get("kid") not in keys]
    if ignored:
        log.warning("Ignoring JWKS keys that are not usable RSA signing keys: %s", ignored)
    return keys


class JwksCache:
    """Thread-safe. `fetch` returns the parsed document (default: a GET of `url` with `fetch_timeout`);
    `clock`: monotonic seconds."""

    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: float = 300.0,
        min_interval_seconds: float = 30.0,
        wait_seconds: float = 2.0,
        fetch_timeout: tuple[float, float] = (2.0, 5.0),
        fetch: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._ttl = ttl_seconds
        self._min_interval = min_interval_seconds
        self._wait = wait_seconds
        self._timeout = fetch_timeout
        self._fetch = fetch or self._http_get
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._read_at: float | None = None
        self._attempted_at: float | None = None
        self._in_flight: threading.Event | None = None
        self.fetches = 0  # attempts started

    def key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            found = self._keys.get(kid)
            stale = self._read_at is None or self._clock() - self._read_at >= self._ttl
            in_flight = self._in_flight
            may_fetch = self._attempted_at is None or self._clock() - self._attempted_at >= self._min_interval
            if (found is None or stale) and in_flight is None and may_fetch:
                in_flight = self._start_fetch()
        if found is not None:
            return found  # a refresh of a stale set runs behind; this key was trusted when last read
        if in_flight is not None:
            in_flight.wait(self._wait)
        with self._lock:
            found = self._keys.get(kid)
        if found is None:
            raise KeyUnavailable(kid)
        return found

    def _start_fetch(self) -> threading.Event:
        done = threading.Event()
        self._in_flight = done
        self._attempted_at = self._clock()
        self.fetches += 1
        threading.Thread(target=self._refresh, args=(done,), name="jwks-fetch", daemon=True).start()
        return done

    def _refresh(self, done: threading.Event) -> None:
        try:
            keys = parse_jwks(self._fetch())
        except Exception as error:  # noqa: BLE001 - whatever Auth sends, the caller gets a 401, not a 500
            log.error("Cannot read the JWKS from %s: %s: %s", self.url, type(error).__name__, error)
            keys = None
        with self._lock:
            if keys is not None:
                withdrawn = sorted(set(self._keys) - set(keys))
                if withdrawn:
                    log.info("JWKS re-read: keys %s withdrawn by HMPPS Auth are no longer trusted", withdrawn)
                self._keys = keys
                self._read_at = self._clock()
            self._in_flight = None
        done.set()

    def _http_get(self) -> Any:
        response = requests.get(self.url, timeout=self._timeout)
        response.raise_for_status()
        return response.json()
