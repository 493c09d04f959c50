"""A slow HMPPS Auth cannot take the API down, against the real `ptpu serve` process.

HMPPS Auth's JWKS stalls; 50 report requests wait on it at once (more than AnyIO's 40 worker threads, so
every synchronous handler is busy). Meanwhile Kubernetes keeps probing: every probe must still answer
promptly. The figure is a count of probes slower than 1 s (Kubernetes' default probe timeout), not a
timing assertion on one call. Before, the probes queued behind the blocked workers and timed out, and
each report request started its own 10 s JWKS fetch.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from ptpu_sandbox.simulators import REPORT_ROLE
from reliability.harness import ReliabilityStack

PROBES = ("/health/liveness", "/health/readiness", "/health/ping")
REPORTS_IN_FLIGHT = 50
PROBING_SECONDS = 4.0
SLOW_PROBE_SECONDS = 1.0
JWKS = "/.well-known/jwks.json"


def timed_get(url: str, timeout: float, headers: dict[str, str] | None = None) -> tuple[int | None, float]:
    """(status, seconds); status None when the request timed out or failed."""
    started = time.monotonic()
    try:
        status: int | None = requests.get(url, headers=headers, timeout=timeout).status_code
    except requests.RequestException:
        status = None
    return status, time.monotonic() - started


def test_probes_answer_promptly_while_reports_wait_on_a_stalled_jwks(stack: ReliabilityStack, scenario_table) -> None:
    assert stack.hmpps is not None
    auth = stack.hmpps.auth
    auth.inject_fault(status=None, delay_seconds=60, paths=JWKS)  # Auth accepts the connection, never answers
    service = stack.start_service("probes")
    token = {"Authorization": f"Bearer {auth.mint_token([REPORT_ROLE])}"}  # valid, but its key is unreadable
    started = time.monotonic()

    with ThreadPoolExecutor(REPORTS_IN_FLIGHT) as clients:
        reports = [
            clients.submit(timed_get, f"{service.url}/report/in-progress", 30, token) for _ in range(REPORTS_IN_FLIGHT)
        ]
        time.sleep(0.5)  # the reports are now holding the worker threads
        probes: list[tuple[str, int | None, float]] = []
        while time.monotonic() - started < 0.5 + PROBING_SECONDS:
            path = PROBES[len(probes) % len(PROBES)]
            status, seconds = timed_get(f"{service.url}{path}", timeout=5)
            probes.append((path, status, seconds))
            time.sleep(0.05)
        answered = [future.result() for future in reports]

    slow = [(path, status, round(seconds, 2)) for path, status, seconds in probes if seconds > SLOW_PROBE_SECONDS]
    print(f"\n{len(probes)} probes during {REPORTS_IN_FLIGHT} stalled report requests: {len(slow)} over "
          f"{SLOW_PROBE_SECONDS}s, slowest {max(s for _, _, s in probes):.3f}s")
    scenario_table.add("probes under a stalled JWKS", len(probes), len(probes) - len(slow), len(slow), started,
                       f"{REPORTS_IN_FLIGHT} reports in flight")
    assert len(probes) >= 20
    assert slow == []
    assert {status for _, status, _ in probes} == {200}
    # Every report got its answer (401: the keys could not be read in time), none timed out.
    assert [status for status, _ in answered] == [401] * REPORTS_IN_FLIGHT
    # One JWKS fetch for all of them (each JWKS request meets the fault): one in flight, then none for 30 s.
    assert auth.faults.injected_count == 1
