"""How many ptpu modules a due booking's key-dates write passes through.

A real container on the AWS emulator and the simulated HMPPS APIs stores a SENTENCE_DATES-CHANGED record
(published to its topic, read by its listener) and runs one processing cycle (`synchronisation().process_due()`).
At the moment `requests.Session.send` is called with community-api's key-dates POST, the distinct `ptpu_*`
modules with a frame on that thread's stack are recorded. The count bounds the layers a write crosses.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import requests
from simulated_service_env import simulated_service_env

from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from ptpu_sandbox.publishing import publish_scenarios, topic_arn_for
from ptpu_sandbox.simulators import SCENARIOS, SimulatedHmpps

# A ratchet: the 6 modules a due key-dates write passes through today (the restructuring's goal was at most
# 12); lower it when a layer goes, never raise it.
MAX_MODULES_ON_A_WRITE = 6
KEY_DATES = re.compile(r"/secure/offenders/nomsNumber/[^/]+/bookingNumber/[^/]+/custody/keyDates$")
SEND = requests.Session.send.__code__


def ptpu_modules(frame: FrameType | None) -> list[str]:
    """The distinct `ptpu_*` modules with a frame on the stack from `frame` outwards, innermost first."""
    modules: list[str] = []
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name.startswith("ptpu_") and name not in modules:
            modules.append(name)
        frame = frame.f_back
    return modules


@contextmanager
def stacks_at_send(method: str, path: re.Pattern[str]) -> Iterator[list[list[str]]]:
    """Each matching request's `ptpu_*` modules, on whichever thread sends it (threads started inside too)."""
    seen: list[list[str]] = []

    def profile(frame: FrameType, event: str, _: Any) -> None:
        if event == "call" and frame.f_code is SEND:
            request = frame.f_locals.get("request")
            if request is not None and request.method == method and path.search(request.path_url.split("?")[0]):
                seen.append(ptpu_modules(frame))

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]


def test_a_due_key_dates_write_passes_through_few_modules(aws_emulator, hmpps: SimulatedHmpps) -> None:
    hmpps.reset()
    scenario = SCENARIOS["sentence-dates"]
    env = simulated_service_env(aws_emulator, hmpps)
    container = Container(settings=load_settings(env))
    container.queue_urls()  # provisions the emulator's queues, topic and tables
    publish_scenarios(container.aws().sns, topic_arn_for(container.aws().sns, env["SNS_TOPIC_NAME"]), [scenario])
    listener = container.listener()
    empty = 0
    while empty < 2:
        empty = empty + 1 if listener.poll_once() == 0 else 0
    synchronisation = container.synchronisation()

    with stacks_at_send("POST", KEY_DATES) as seen:
        synchronisation.process_due()

    written = [r for r in hmpps.community.requests_log if r.method == "POST" and KEY_DATES.search(r.path)]
    assert len(written) == 1, "the due record's key dates were not written"
    assert len(seen) == 1
    modules = seen[0]
    assert len(modules) <= MAX_MODULES_ON_A_WRITE, modules
