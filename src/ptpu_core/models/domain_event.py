"""An HMPPS domain event as ptpu announces one: the Kotlin `HmppsDomainEvent.kt`, without `detailUrl`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from attrs import field, frozen

from ptpu_core.models.field_kinds import not_a_string

CRN = "CRN"
NOMS = "NOMS"


@frozen
class PersonIdentifier:
    """One identifier of the person: `type` CRN (Delius case reference) or NOMS (prison number)."""

    type: str
    value: str


def _identifiers(values: Iterable[PersonIdentifier]) -> tuple[PersonIdentifier, ...]:
    identifiers = not_a_string(values, "identifiers")
    strays = [repr(one) for one in identifiers if not isinstance(one, PersonIdentifier)]
    if strays:
        raise TypeError(f"identifiers takes PersonIdentifier values only, not {', '.join(strays)}")
    return identifiers


def _information(values: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    items = values.items() if isinstance(values, Mapping) else not_a_string(values, "additional_information")
    pairs = tuple(items)
    strays = [repr(pair) for pair in pairs if isinstance(pair, str | bytes) or not isinstance(pair, Sequence)
              or len(pair) != 2]
    if strays:
        raise TypeError(f"additional_information takes (name, value) pairs, not {', '.join(strays)}")
    return tuple((str(key), str(value)) for key, value in pairs)


@frozen
class HmppsDomainEvent:
    """`event_type` e.g. "probation-case.prison-identifier.added"; `occurred_at` aware (Europe/London);
    `additional_information` ordered (name, value) pairs (a dict is accepted and kept in its order)."""

    event_type: str
    occurred_at: datetime
    description: str
    identifiers: tuple[PersonIdentifier, ...] = field(converter=_identifiers)
    additional_information: tuple[tuple[str, str], ...] = field(converter=_information, factory=tuple)
    version: int = 1

    def identifier(self, kind: str) -> str | None:
        """The value of the first identifier of type `kind`, None when there is none."""
        return next((one.value for one in self.identifiers if one.type == kind), None)

    @property
    def information(self) -> dict[str, str]:
        return dict(self.additional_information)
