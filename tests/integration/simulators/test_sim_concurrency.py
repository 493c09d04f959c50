"""The drain benchmark delays every upstream call by a fixed latency and runs up to 32 callers
at once; the simulators must hold that many delayed requests at the same time, not answer them one after
another (a sleep in a single-threaded server would turn 32 callers into one)."""

from __future__ import annotations

import threading
import time

import requests

from ptpu_sandbox.simulators import SimulatedHmpps

CALLERS = 32
BOOKING = "/api/bookings/1200835"


def test_thirty_two_delayed_requests_are_all_in_their_delay_at_once() -> None:
    answers: list[int] = []
    with SimulatedHmpps.start() as hmpps:
        token = hmpps.auth.mint_token([])
        # Far longer than the test waits: no request can finish (and free a server thread) meanwhile.
        hmpps.prison.inject_fault(status=None, delay_seconds=60)

        def call() -> None:
            answer = requests.get(f"{hmpps.prison_url}{BOOKING}", headers={"Authorization": f"Bearer {token}"},
                                  timeout=90)
            answers.append(answer.status_code)

        callers = [threading.Thread(target=call, daemon=True) for _ in range(CALLERS)]
        for caller in callers:
            caller.start()
        give_up = time.monotonic() + 20  # a bound on the wait, not a measure: the count is what is asserted
        while hmpps.prison.faults.injected_count < CALLERS and time.monotonic() < give_up:
            time.sleep(0.05)
        delayed_at_once = hmpps.prison.faults.injected_count
        finished_meanwhile = len(answers)
    # Leaving the block stops the simulators, which wakes the delayed handlers: they answer at once.
    for caller in callers:
        caller.join(timeout=30)

    assert (delayed_at_once, finished_meanwhile) == (CALLERS, 0)
    assert answers == [200] * CALLERS
