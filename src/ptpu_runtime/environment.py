"""At start-up: the effective mode, and a warning for each variable of the service's own name families that it
does not read."""

from __future__ import annotations

import difflib
import os
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

from ptpu_adapters.http.base import CallSettings
from ptpu_runtime.config import CAPABILITY_SETTINGS, Settings
from ptpu_runtime.config_kinds import show_duration, specs
from ptpu_runtime.outbound_environment import CA_BUNDLE_VARIABLES, NO_PROXY_VARIABLES, PROXY_VARIABLES


def mode_info(settings: Settings) -> dict[str, Any]:
    """GET /info's `mode`: durations in Spring's short form ("15m"), prison codes sorted (empty: all)."""
    capabilities = settings.domain().capabilities
    return {
        "dryRun": settings.dry_run,
        "writesToDelius": not settings.dry_run,
        "capabilities": {each.value: capabilities.allows(each) for each in CAPABILITY_SETTINGS.values()},
        "holdBack": show_duration(settings.hold_back),
        "onlyPrisons": sorted(settings.only_prisons),
        "messageProcessorEnabled": settings.message_processor_enabled,
        "messageProcessorDelay": show_duration(settings.message_processor_delay),
        "processorWorkers": settings.processor_workers,
        "listenerWorkers": settings.listener_workers,
        "bookingLease": show_duration(settings.booking_lease),
        "lockAtMost": show_duration(settings.lock_at_most)}


def register_mode_metrics(registry: CollectorRegistry, mode: Mapping[str, Any]) -> CollectorRegistry:
    """`registry` with the mode on it: `ptpu_dry_run` (1 = nothing is written to Delius),
    `ptpu_capability_enabled{capability}` (0 = that write is left to another service) and
    `ptpu_message_processor_enabled` (0 = records are stored, none processed or retried)."""
    dry_run = Gauge(
        "ptpu_dry_run", "1 when PRISONTOPROBATION_DRY_RUN is on: no write reaches Delius", registry=registry)
    dry_run.set(int(mode["dryRun"]))
    enabled = Gauge(
        "ptpu_capability_enabled", "0 when the capability's switch is off", ["capability"], registry=registry)
    for name, allowed in mode["capabilities"].items():
        enabled.labels(name).set(int(allowed))
    processing = Gauge(
        "ptpu_message_processor_enabled",
        "0 when PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED is off: records are stored, not processed or retried",
        registry=registry)
    processing.set(int(mode["messageProcessorEnabled"]))
    return registry


def mode_line(settings: Settings) -> str:
    """The start-up log's line of `mode_info`."""
    mode = mode_info(settings)
    writes = ("DRY RUN, nothing is written to Delius (PRISONTOPROBATION_DRY_RUN=true)" if settings.dry_run
              else "LIVE, writing to Delius (PRISONTOPROBATION_DRY_RUN=false)")
    on = [name for name, allowed in mode["capabilities"].items() if allowed]
    off = [f"{name}=false" for name, each in CAPABILITY_SETTINGS.items() if not mode["capabilities"][each.value]]
    switched = f"capabilities on: {', '.join(on) or 'none'}"
    if off:
        switched += f"; switched off, left to other services: {', '.join(off)}"
    processing = (f"processing every {mode['messageProcessorDelay']}" if settings.message_processor_enabled
                  else "processing and retry schedules OFF (PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false)")
    return (
        f"Mode: {writes}; {switched}; hold-back {mode['holdBack']}; prisons: {','.join(mode['onlyPrisons']) or 'all'}; "
        f"{processing}; workers: {settings.processor_workers} processing, {settings.listener_workers} listener; "
        f"booking lease {mode['bookingLease']}, lock at most {mode['lockAtMost']}")


# Families whose other members a library in the process reads: an unknown one there is not a mistake.
LIBRARY_FAMILIES = frozenset({"AWS_", "OTEL_"})
# What the service reads besides Settings: the outbound variables (checked at start-up) and BUILD_NUMBER.
OTHER_READ = frozenset({*PROXY_VARIABLES, *NO_PROXY_VARIABLES, *CA_BUNDLE_VARIABLES, "BUILD_NUMBER"})

# Kubernetes (and docker) service links: FOO_SERVICE_HOST, FOO_PORT_80_TCP_ADDR, FOO_PORT=tcp://10.0.0.1:80, ...
_SERVICE_LINK = re.compile(
    r"[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)")
_LINK_PORT_VALUE = re.compile(r"(tcp|udp|sctp)://\S+:\d+")


def read_names() -> frozenset[str]:
    """Every variable a setting reads: its names (both halves of a key pair) and aliases."""
    return frozenset(name for _, spec, _ in specs(Settings) for name in (*spec.names, *spec.aliases))


def own_families() -> frozenset[str]:
    """The name prefixes (ending in "_") shared by two or more settings, library families aside."""
    by_first_word: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for field, spec, _ in specs(Settings):
        for name in (*spec.names, *spec.aliases):
            by_first_word[name.split("_", 1)[0]][field].append(name)
    families = {
        "_".join(os.path.commonprefix([name.split("_") for names in fields.values() for name in names])) + "_"
        for fields in by_first_word.values() if len(fields) > 1}
    return frozenset(families - LIBRARY_FAMILIES)


def lease_warning(settings: Settings) -> str | None:
    """PRISONTOPROBATION_BOOKING_LEASE must exceed twice the longest upstream call (its tries, each up to the
    connect and read timeouts, and the back-off between them): a lease kept alive at half its length could
    otherwise run out during one call, and another pod take the booking while this one still writes to it."""
    call = CallSettings()
    tries = call.retries + 1
    longest = tries * (settings.http_connect_timeout + settings.http_read_timeout).total_seconds() + sum(
        call.retry_delay * 2**retry for retry in range(call.retries))
    if settings.booking_lease.total_seconds() > 2 * longest:
        return None
    return (f"PRISONTOPROBATION_BOOKING_LEASE ({show_duration(settings.booking_lease)}) is not more than twice the "
            f"longest upstream call ({longest:g}s: {tries} tries of HTTP_CONNECT_TIMEOUT + HTTP_READ_TIMEOUT, and "
            f"back-off): another pod may take a booking while this one still writes to it")


def unread_variable_warnings(env: Mapping[str, str] | None = None) -> list[str]:
    """One line per variable of `env` (default os.environ) in an own family but not read, sorted by name."""
    source = os.environ if env is None else env
    names = read_names()
    known = names | OTHER_READ
    families = own_families()
    lines = []
    for name in sorted(source):
        if name in known or not name.upper().startswith(tuple(families)) or _service_link(name, source[name]):
            continue
        close = closest(name, names)
        hint = f"did you mean {close}?" if close else "`ptpu serve --help` lists every setting"
        lines.append(f"{name} is set but this service does not read it: {hint}")
    return lines


def closest(name: str, candidates: frozenset[str], cutoff: float = 0.6) -> str | None:
    """The candidate most like `name` by the words after those they share (difflib), None below `cutoff`."""
    scores = {each: difflib.SequenceMatcher(None, *_tails(name.upper(), each)).ratio() for each in sorted(candidates)}
    best = max(scores, key=scores.__getitem__, default=None)
    return best if best is not None and scores[best] >= cutoff else None


def _tails(a: str, b: str) -> tuple[str, str]:
    """The words after those `a` and `b` share, keeping at least the last word of each."""
    words_a, words_b = a.split("_"), b.split("_")
    shared = min(len(os.path.commonprefix([words_a, words_b])), len(words_a) - 1, len(words_b) - 1)
    return "_".join(words_a[shared:]), "_".join(words_b[shared:])


def _service_link(name: str, value: str) -> bool:
    port_link = name.endswith("_PORT") and _LINK_PORT_VALUE.fullmatch(value) is not None
    return port_link or _SERVICE_LINK.fullmatch(name) is not None
