"""The domain's own settings: which prisons interest us, how long to hold events back, which writes we make."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from attrs import field, frozen
from attrs.validators import instance_of

from ptpu_core.models.field_kinds import is_bool, is_duration, string_set
from ptpu_core.rules.capabilities import Capabilities

RECORD_LIFETIME = timedelta(days=30)
SENTENCE_START_WINDOW_DAYS = 7
AGENCY_ID = re.compile(r"[A-Z0-9]{2,6}")  # a NOMIS agency id as prison-api's `agencyId`, e.g. MDI, LEI


def _prison_codes(codes: Iterable[str]) -> frozenset[str]:
    collected = string_set(codes, "only_prisons")
    if bad := sorted(repr(code) for code in collected if not AGENCY_ID.fullmatch(code)):
        raise ValueError(f"only_prisons takes NOMIS agency ids (2 to 6 upper-case letters and digits, e.g. 'MDI'), "
                         f"not {', '.join(bad)}")
    return collected


def _within_lifetime(instance: object, attribute: Any, value: timedelta) -> None:
    if value >= RECORD_LIFETIME:
        raise ValueError(f"{attribute.name} must be shorter than a record's lifetime ({RECORD_LIFETIME.days} days), "
                         f"not {value}")


@frozen
class DomainSettings:
    """From PRISONTOPROBATION_* variables. `only_prisons`: the agency ids whose events matter (empty: every
    prison; a single string is refused, since "MDI" would read as {"M", "D", "I"}). `hold_back`: how long a
    stored record waits, under RECORD_LIFETIME. `dry_run`: no Delius writes. `capabilities`: which kinds of
    Delius write this deployment makes."""

    only_prisons: frozenset[str] = field(factory=frozenset, converter=_prison_codes)
    hold_back: timedelta = field(default=timedelta(minutes=15), validator=[is_duration, _within_lifetime])
    dry_run: bool = field(default=False, validator=is_bool)
    capabilities: Capabilities = field(factory=Capabilities, validator=instance_of(Capabilities))

    def is_interested_prison(self, agency_id: str | None) -> bool:
        return not self.only_prisons or (agency_id is not None and agency_id in self.only_prisons)
