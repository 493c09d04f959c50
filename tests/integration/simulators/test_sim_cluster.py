import socket
import threading

import pytest
import requests

from ptpu_sandbox.simulators import SimulatedHmpps


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _can_bind(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_stop_releases_the_ports_and_stops_answering() -> None:
    cluster = SimulatedHmpps.start()
    ports = [s.port for s in cluster.simulators]
    urls = [cluster.auth_url, cluster.prison_url, cluster.search_url, cluster.community_url]
    assert not any(_can_bind(port) for port in ports)

    cluster.stop()

    assert all(_can_bind(port) for port in ports)
    for url in urls:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/health/ping", timeout=2)


def test_given_ports_are_used() -> None:
    wanted = _free_port()

    with SimulatedHmpps.start(ports={"community": wanted}) as cluster:
        assert cluster.community_url == f"http://127.0.0.1:{wanted}"
        assert requests.get(f"{cluster.community_url}/health/ping", timeout=5).status_code == 200


def test_unknown_port_names_are_refused() -> None:
    with pytest.raises(ValueError, match="nomis"):
        SimulatedHmpps.start(ports={"nomis": 1234})


def test_a_taken_port_fails_the_start_and_stops_what_had_started() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])

        with pytest.raises(OSError):
            SimulatedHmpps.start(ports={"search": port})

    # auth and prison-api started before search failed; they must not be left serving
    assert not [t.name for t in threading.enumerate() if t.name in ("sim-hmpps-auth", "sim-prison-api")]
