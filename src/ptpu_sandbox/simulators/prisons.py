"""The prisons the simulators know: NOMIS agency id -> Delius institution (as community-api shows it)."""

from __future__ import annotations

from typing import Any

from attrs import frozen


@frozen
class Prison:
    noms_code: str
    delius_code: str
    description: str
    institution_id: int


PRISONS: dict[str, Prison] = {
    p.noms_code: p
    for p in (
        Prison("MDI", "MDIHMP", "Moorland (HMP & YOI)", 97),
        Prison("LEI", "LEIHMP", "Leeds (HMP)", 104),
        Prison("WWI", "WWIHMP", "Wandsworth (HMP)", 135),
        Prison("BXI", "BXIHMP", "Brixton (HMP)", 21),
        Prison("PVI", "PVIHMP", "Pentonville (HMP)", 119),
        Prison("HLI", "HLIHMP", "Hull (HMP)", 73),
    )
}

# A custodial event Delius has not yet placed anywhere shows this institution.
UNKNOWN_INSTITUTION: dict[str, Any] = {
    "institutionId": 157,
    "isEstablishment": True,
    "code": "UNKNOW",
    "description": "Unknown",
    "institutionName": "Unknown",
    "establishmentType": {"code": "E", "description": "Prison"},
}


def institution(noms_code: str) -> dict[str, Any]:
    """community-api's institution object for a prison; KeyError for an unknown prison."""
    prison = PRISONS[noms_code]
    return {
        "institutionId": prison.institution_id,
        "isEstablishment": True,
        "code": prison.delius_code,
        "description": prison.description,
        "institutionName": prison.description,
        "establishmentType": {"code": "E", "description": "Prison"},
        "nomsPrisonInstitutionCode": prison.noms_code,
    }


def description(noms_code: str) -> str:
    return PRISONS[noms_code].description
