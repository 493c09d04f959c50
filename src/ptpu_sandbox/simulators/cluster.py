"""All four simulated HMPPS systems, seeded with one consistent world, started and stopped together.

    with SimulatedHmpps.start() as hmpps:
        settings = {"OAUTH_ENDPOINT_URL": hmpps.auth_url, "PRISON_ENDPOINT_URL": hmpps.prison_url, ...}
        token = hmpps.auth.mint_token(["ROLE_PTPU_REPORT"])
        hmpps.community.inject_fault(status=500, times=1)
"""

from __future__ import annotations

from collections.abc import Mapping

from ptpu_sandbox.simulators.auth import AuthSimulator, Client
from ptpu_sandbox.simulators.community_api import CommunityApiSimulator
from ptpu_sandbox.simulators.delius import DeliusStore
from ptpu_sandbox.simulators.offender_search import OffenderSearchSimulator
from ptpu_sandbox.simulators.prison_api import PrisonApiSimulator
from ptpu_sandbox.simulators.seed import DELIUS_OFFENDERS, PRISON_RECORDS
from ptpu_sandbox.simulators.server import HttpSimulator

SERVICE_NAMES = ("auth", "prison", "search", "community")


class SimulatedHmpps:
    def __init__(self, clients: Mapping[str, Client] | None = None) -> None:
        self.auth = AuthSimulator(clients)
        # Search and community-api share one Delius, so a NOMS number set through community-api
        # makes the next /match answer HMPPS_KEY, as in real life.
        self.delius = DeliusStore(DELIUS_OFFENDERS)
        self.prison = PrisonApiSimulator(PRISON_RECORDS, token_verifier=self.auth.verify)
        self.search = OffenderSearchSimulator(self.delius, token_verifier=self.auth.verify)
        self.community = CommunityApiSimulator(self.delius, token_verifier=self.auth.verify)

    @classmethod
    def start(
        cls,
        host: str = "127.0.0.1",
        ports: Mapping[str, int] | None = None,
        clients: Mapping[str, Client] | None = None,
        *,
        keep_alive: bool = False,
    ) -> SimulatedHmpps:
        """Start all four on `host`; `ports` maps auth/prison/search/community to ports (default: free);
        `keep_alive`: HTTP/1.1 with kept-alive connections (HttpSimulator.start)."""
        unknown = set(ports or {}) - set(SERVICE_NAMES)
        if unknown:
            raise ValueError(f"unknown simulator names {sorted(unknown)}; expected {SERVICE_NAMES}")
        cluster = cls(clients)
        started: list[HttpSimulator] = []
        try:
            for name in SERVICE_NAMES:
                simulator = cluster._by_name(name)
                simulator.start(host, (ports or {}).get(name, 0), keep_alive=keep_alive)
                started.append(simulator)
        except BaseException:
            for simulator in started:
                simulator.stop()
            raise
        return cluster

    @property
    def simulators(self) -> tuple[HttpSimulator, ...]:
        return tuple(self._by_name(name) for name in SERVICE_NAMES)

    @property
    def auth_url(self) -> str:
        return self.auth.url

    @property
    def prison_url(self) -> str:
        return self.prison.url

    @property
    def search_url(self) -> str:
        return self.search.url

    @property
    def community_url(self) -> str:
        return self.community.url

    def reset(self) -> None:
        """Back to the seed: Delius state, prison records, request logs and faults."""
        for simulator in self.simulators:
            simulator.reset()

    def stop(self) -> None:
        for simulator in self.simulators:
            simulator.stop()

    def __enter__(self) -> SimulatedHmpps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _by_name(self, name: str) -> HttpSimulator:
        return {"auth": self.auth, "prison": self.prison, "search": self.search, "community": self.community}[name]
