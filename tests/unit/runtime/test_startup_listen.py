"""`ptpu serve` checks SERVER_ADDRESS:SERVER_PORT before anything starts: a
taken port or an address that does not resolve stops the service before the listener and scheduler start."""

from __future__ import annotations

import socket

import pytest

from ptpu_core.errors import ConfigError
from ptpu_runtime.startup_checks import check_listen


def test_a_port_another_process_listens_on_is_a_configuration_error_naming_both_settings() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as raised:
            check_listen("127.0.0.1", port)
    assert str(raised.value).startswith(f"SERVER_ADDRESS/SERVER_PORT: cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize("address", ["999.1.1.1", "no-such-host.invalid"])
def test_an_address_that_does_not_resolve_is_a_configuration_error(address: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_listen(address, 18777)
    assert str(raised.value).startswith(f"SERVER_ADDRESS: cannot listen on '{address}'")


def test_a_free_port_passes_and_is_left_free() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    check_listen("127.0.0.1", port)
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # nothing kept it
