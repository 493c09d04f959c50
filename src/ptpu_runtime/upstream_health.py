"""An upstream API's /health component: its ping, and what its real calls have been doing.

The existing service's components (`prisonApiHealth`, `communityApiHealth`, `searchApiHealth`) only ping
`/health/ping`, which answers while the API behind it fails. Here the component keeps the ping's status and
details (`HttpStatus`, `body` when down) and adds `recentCalls` (UpstreamCalls):

    "recentCalls": {"lastSuccess": "2026-12-07T15:04:27Z" | null, "lastFailure": ... | null,
                    "lastFailureKind": "HTTP 503" | "ConnectTimeout" | null,
                    "failures": 12, "windowMinutes": 5, "failing": true}

`failures` counts the failed calls in the last `windowMinutes`. The component is DOWN when the ping fails
or when `failing` (at least 3 calls in a row failed since the last success, the latest within the window),
so /health answers 503. Liveness and readiness never read this: an upstream's outage must not restart or
unready a pod (api/health.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ptpu_adapters.http.base import PingAnswer
from ptpu_adapters.http.calls import CallsSummary, UpstreamCalls
from ptpu_runtime.health_checks import DOWN, Component, PingHealth


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def recent_calls_details(summary: CallsSummary) -> dict[str, Any]:
    return {
        "lastSuccess": _instant(summary.last_success),
        "lastFailure": _instant(summary.last_failure),
        "lastFailureKind": summary.last_failure_kind,
        "failures": summary.failures_in_window,
        "windowMinutes": round(summary.window.total_seconds() / 60, 2),
        "failing": summary.failing,
    }


class UpstreamHealth:
    """`name`: the component; `service`: the UpstreamClient's service name its calls are recorded under."""

    def __init__(self, name: str, service: str, ping: Callable[[], PingAnswer], recent: UpstreamCalls) -> None:
        self.name = name
        self._service = service
        self._ping = PingHealth(name, ping)
        self._recent = recent

    def check(self) -> Component:
        component = self._ping.check()
        summary = self._recent.summary(self._service)
        details = {**component.get("details", {}), "recentCalls": recent_calls_details(summary)}
        return {"status": DOWN if summary.failing else component["status"], "details": details}
