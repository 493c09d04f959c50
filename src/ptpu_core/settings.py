"""The domain's own settings: which prisons interest us, how long to hold events back, which writes we make."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from attrs import field, frozen

from ptpu_core.models.field_kinds import is_bool, is_duration, string_set
from ptpu_core.rules.capabilities import Capabilities

RECORD_LIFETIME = timedelta(days=30)
SENTENCE_START_WINDOW_DAYS = 7


def _prison_codes(codes: Iterable[str]) -> frozenset[str]:
    return string_set(codes, "only_prisons")


@frozen
class DomainSettings:
    """From PRISONTOPROBATION_* variables. `only_prisons`: the prison codes whose events matter (empty: every
    prison; a str is refused). `hold_back`: how long a stored record waits (zero or more). `dry_run`: write
    nothing to Delius. `capabilities`: which kinds of Delius write this deployment makes."""

    only_prisons: frozenset[str] = field(factory=frozenset, converter=_prison_codes)
    hold_back: timedelta = field(default=timedelta(minutes=15), validator=is_duration)
    dry_run: bool = field(default=False, validator=is_bool)
    capabilities: Capabilities = Capabilities()  # All on unless switched off

    def is_interested_prison(self, agency_id: str | None) -> bool:
        return not self.only_prisons or (agency_id is not None and agency_id in self.only_prisons)
