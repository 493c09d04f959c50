"""The domain's own settings: which prisons interest us, how long to hold events back, which writes we make."""

from __future__ import annotations

from datetime import timedelta

from attrs import field, frozen

from ptpu_core.capabilities import Capabilities

RECORD_LIFETIME = timedelta(days=30)
SENTENCE_START_WINDOW_DAYS = 7


@frozen
class DomainSettings:
    only_prisons: frozenset[str] = field(factory=frozenset, converter=frozenset)
    hold_back: timedelta = timedelta(minutes=15)
    dry_run: bool = False
    capabilities: Capabilities = Capabilities()  # issue 11 §2: all on unless switched off

    def is_interested_prison(self, agency_id: str | None) -> bool:
        """Empty `only_prisons` means every prison is of interest."""
        if not self.only_prisons:
            return True
        return agency_id is not None and agency_id in self.only_prisons
