"""What processing one stored record decided. SPEC §6 step 5."""

from __future__ import annotations

from datetime import date

from attrs import frozen

from ptpu_core.models.record import SynchroniseState


@frozen
class SynchroniseStatus:
    state: SynchroniseState
    matching_crns: tuple[str, ...] = ()


@frozen
class Done:
    """Finished: mark processed with this status. Never retried."""

    status: SynchroniseStatus


@frozen
class TryLater:
    """Not yet: bump retry count, save status, and keep the record until `retry_until` if given."""

    status: SynchroniseStatus
    retry_until: date | None = None


Outcome = Done | TryLater


def done(state: SynchroniseState, *crns: str) -> Done:
    return Done(SynchroniseStatus(state, tuple(crns)))


def try_later(state: SynchroniseState, retry_until: date | None = None, *crns: str) -> TryLater:
    return TryLater(SynchroniseStatus(state, tuple(crns)), retry_until)
