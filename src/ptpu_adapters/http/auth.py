"""OAuth2 client-credentials tokens from HMPPS Auth, cached until shortly before they expire."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import requests

from ptpu_core.errors import UpstreamFailure

log = logging.getLogger(__name__)

SERVICE = "hmpps-auth"
MAX_EARLY_REFRESH_SECONDS = 60.0
EARLY_REFRESH_FRACTION = 0.1
# The existing service's client registrations ask for `scope: read` (its application.yml).
SCOPE = "read"


class HmppsAuthTokenProvider:
    """Thread-safe: concurrent callers share one fetch. Neither the secret nor a token is ever logged."""

    def __init__(
        self, base_url: str, client_id: str, client_secret: str, session: requests.Session,
        clock: Callable[[], float] = time.monotonic, timeout: float | tuple[float, float] = (2.0, 10.0),
    ) -> None:
        self._token_url = base_url.rstrip("/") + "/oauth/token"
        self._credentials = (client_id, client_secret)
        self._session = session
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, self._refresh_at = self._fetch()
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        requested_at = self._clock()
        try:
            response = self._session.post(
                self._token_url,
                data={"grant_type": "client_credentials", "scope": SCOPE},
                auth=self._credentials,
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            raise UpstreamFailure(SERVICE, f"token request failed: {type(error).__name__}") from error
        if not response.ok:
            # The body may echo the client id but never the secret; still, keep it out of logs.
            raise UpstreamFailure(SERVICE, "token request refused", response.status_code)
        try:
            body = response.json()
            access_token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 0))
        except (ValueError, KeyError, TypeError) as error:
            raise UpstreamFailure(SERVICE, "token response unreadable", response.status_code) from error
        margin = min(MAX_EARLY_REFRESH_SECONDS, EARLY_REFRESH_FRACTION * lifetime)
        log.info("Fetched a new %s token valid for %.0fs", SERVICE, lifetime)
        return access_token, requested_at + lifetime - margin
