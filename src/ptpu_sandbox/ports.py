"""Which loopback ports the local stack uses: the well-known defaults, a shifted block (a port base, from
`--port-base` or PTPU_SANDBOX_PORT_BASE), or free ones."""

from __future__ import annotations

import os
import socket

from attrs import evolve, frozen

HOST = "127.0.0.1"
PORT_BASE_ENV = "PTPU_SANDBOX_PORT_BASE"


@frozen
class StackPorts:
    """One port per server; 0 means "any free port" (chosen when the server starts)."""

    service: int = 0
    emulator: int = 0
    auth: int = 0
    prison: int = 0
    search: int = 0
    community: int = 0

    @classmethod
    def well_known(cls) -> StackPorts:
        """What `make run` uses: the service's 8080, localstack's 4566, the simulators on 8090-8093."""
        return cls(service=8080, emulator=4566, auth=8090, prison=8091, search=8092, community=8093)

    @classmethod
    def from_base(cls, base: int) -> StackPorts:
        """`--port-base N`: service N, emulator N+1, auth N+2, prison N+3, search N+4, community N+5.
        A base of 0 means free ports throughout (what tests use)."""
        if base == 0:
            return cls()
        if not 0 < base <= 65535 - 5:
            raise ValueError(f"port base {base} must be between 1 and 65530")
        return cls(base, base + 1, base + 2, base + 3, base + 4, base + 5)

    def simulator_ports(self) -> dict[str, int]:
        return {"auth": self.auth, "prison": self.prison, "search": self.search, "community": self.community}

    def with_taken_replaced(self) -> tuple[StackPorts, list[str]]:
        """These ports with any already-taken one replaced by 0 (free), and a note per replacement."""
        replaced: dict[str, int] = {}
        notes = []
        for name in ("service", "emulator", "auth", "prison", "search", "community"):
            port = getattr(self, name)
            if port and not is_free(port):
                replaced[name] = 0
                notes.append(f"port {port} ({name}) is taken; using a free one instead")
        return evolve(self, **replaced), notes


def is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A port free right now. For a child process that binds it itself; the race is harmless on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def parse_port_base(text: str) -> int:
    """A port base as `--port-base` and PTPU_SANDBOX_PORT_BASE take it: 0 (free ports) or 1-65530 (the
    block of six must fit below 65536); ValueError saying so otherwise."""
    value = text.strip()
    if not value.isdigit() or not (int(value) == 0 or 0 < int(value) <= 65535 - 5):
        raise ValueError(f"'{text}' is not a port base: 0 (free ports) or a whole number from 1 to 65530")
    return int(value)


def port_base_from_env() -> int | None:
    """PTPU_SANDBOX_PORT_BASE, or None when unset or empty; ValueError naming it when it is not a port base
    (ignoring it would make `ptpu publish` publish into another sandbox)."""
    value = os.environ.get(PORT_BASE_ENV, "").strip()
    if not value:
        return None
    try:
        return parse_port_base(value)
    except ValueError as error:
        raise ValueError(f"{PORT_BASE_ENV}: {error}") from None
