"""The simulated HMPPS systems seeded with generated bookings, and the service's processor wired to them
through the real HTTP clients, with every port call counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from _common import StaticTokens
from _world import bench_delius_offender, bench_prison_record

from ptpu_adapters.http.base import UpstreamClient, cookieless_session
from ptpu_adapters.http.community_api import CommunityApiClient
from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_core.testing import RecordingMetrics, RecordingTelemetry
from ptpu_core.work.unit_of_work import Ports
from ptpu_sandbox.simulators.cluster import SimulatedHmpps

CallKey = tuple[str, str, tuple[object, ...]]  # (service, method, plain arguments)


def start_world(bookings: Sequence[int]) -> SimulatedHmpps:
    hmpps = SimulatedHmpps.start(keep_alive=True)  # the real APIs keep connections alive
    for index, booking_id in enumerate(bookings):
        hmpps.prison.put_record(bench_prison_record(booking_id, index))
        hmpps.delius.put_offender(bench_delius_offender(index))
    return hmpps


class Counting:
    """Wraps a port adapter; logs every method call as (service, method, its str/int arguments).
    Request bodies are left out of the key when plain arguments name the target: a write to the same
    target with any body is the same call for the floor (the last write decides the state). A call with
    only a body (offender-search's match) is keyed by the body."""

    def __init__(self, service: str, target: Any, log: list[CallKey]) -> None:
        self._service = service
        self._target = target
        self._log = log

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any) -> Any:
            plain = tuple(a for a in args if isinstance(a, str | int))
            self._log.append((self._service, name, plain or tuple(repr(a) for a in args)))
            return attribute(*args)

        return counted


def counted_ports(
    hmpps: SimulatedHmpps,
    log: list[CallKey],
    clock: Any,
    *,
    wrap: Callable[[str, Any], Any] = lambda service, client: client,
    pool_size: int | None = None,
) -> Ports:
    """The service's ports as the container wires them, every upstream call counted beneath the booking's
    unit of work (a read it reuses is not counted again). `wrap(service, client)` may wrap each counted
    port (to time it); `pool_size`: connections kept per upstream (the container's: workers + 2)."""
    tokens = StaticTokens(hmpps.auth.mint_token([]))

    def client(service: str, url: str, make: Callable[[UpstreamClient], Any]) -> Any:
        upstream = UpstreamClient(service, url, tokens, session=cookieless_session(pool_size))
        return Counting(service, wrap(service, make(upstream)), log)

    return Ports(
        client("prison-api", hmpps.prison_url, PrisonApiClient),
        client("community-api", hmpps.community_url, CommunityApiClient),
        client("offender-search", hmpps.search_url, OffenderSearchClient),
        RecordingTelemetry(),
        RecordingMetrics(),
        clock,
    )


def per_service(log: Sequence[CallKey]) -> Counter[str]:
    return Counter(service for service, _, _ in log)


__all__ = ["CallKey", "Counting", "counted_ports", "per_service", "start_world"]
