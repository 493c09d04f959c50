"""With `keep_alive` the simulators answer HTTP/1.1 on one kept-alive connection, as the real
APIs do (the drain benchmark then measures the service, not a TCP connect and a server thread per call), and
`stop()` still ends every connection; without it they answer HTTP/1.0 and close each connection."""

from __future__ import annotations

import http.client

import pytest

from ptpu_sandbox.simulators import SimulatedHmpps

BOOKING = "/api/bookings/1200835"


def _get(connection: http.client.HTTPConnection, token: str) -> http.client.HTTPResponse:
    connection.request("GET", BOOKING, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    response.read()
    return response


def test_kept_alive_connection_serves_several_calls_and_stop_ends_it() -> None:
    hmpps = SimulatedHmpps.start(keep_alive=True)
    try:
        token = hmpps.auth.mint_token([])
        connection = http.client.HTTPConnection("127.0.0.1", hmpps.prison.port, timeout=5)
        first = _get(connection, token)
        socket_after_first = connection.sock
        second = _get(connection, token)

        assert (first.status, first.version, second.status) == (200, 11, 200)
        assert socket_after_first is not None and connection.sock is socket_after_first  # one connection
    finally:
        hmpps.stop()
    # The stopped simulator's handler has shut the kept-alive connection: the next call cannot be answered.
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, OSError)):
        _get(connection, token)
    connection.close()


def test_by_default_each_call_gets_its_own_connection() -> None:
    with SimulatedHmpps.start() as hmpps:
        token = hmpps.auth.mint_token([])
        connection = http.client.HTTPConnection("127.0.0.1", hmpps.prison.port, timeout=5)
        response = _get(connection, token)

        assert (response.status, response.version, response.will_close) == (200, 10, True)
        assert connection.sock is None  # closed after the answer, as HTTP/1.0 does
        assert _get(connection, token).status == 200  # on a new connection
        connection.close()
