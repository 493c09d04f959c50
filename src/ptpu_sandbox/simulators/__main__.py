"""Run the simulated HMPPS systems on their own: `python -m ptpu_sandbox.simulators [--port-base 8091]`.

Prints the environment settings that point the service at them, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import threading

from ptpu_sandbox.simulators.auth import DEFAULT_CLIENTS
from ptpu_sandbox.simulators.cluster import SERVICE_NAMES, SimulatedHmpps
from ptpu_sandbox.simulators.seed import SCENARIOS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ptpu_sandbox.simulators", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-base", type=int, default=0, help="auth, prison, search, community on N..N+3")
    args = parser.parse_args(argv)
    ports = {name: args.port_base + i for i, name in enumerate(SERVICE_NAMES)} if args.port_base else None

    with SimulatedHmpps.start(args.host, ports) as hmpps:
        print(f"OAUTH_ENDPOINT_URL={hmpps.auth_url}")
        print(f"PRISON_ENDPOINT_URL={hmpps.prison_url}")
        print(f"OFFENDER_SEARCH_ENDPOINT_URL={hmpps.search_url}")
        print(f"COMMUNITY_ENDPOINT_URL={hmpps.community_url}")
        print("OAUTH_CLIENT_ID=prison-to-probation-update")
        print(f"OAUTH_CLIENT_SECRET={DEFAULT_CLIENTS['prison-to-probation-update'].secret}")
        print(f"# scenarios: {', '.join(SCENARIOS)}")
        print("# Ctrl-C to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
