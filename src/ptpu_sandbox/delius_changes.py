"""What changed in the simulated Delius between two snapshots, in words a user can check at a glance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Delius key-date names as probation staff abbreviate them.
KEY_DATE_ABBREVIATIONS = {
    "conditionalReleaseDate": "CRD",
    "licenceExpiryDate": "LED",
    "hdcEligibilityDate": "HDCED",
    "paroleEligibilityDate": "PED",
    "sentenceExpiryDate": "SED",
    "expectedReleaseDate": "ERD",
    "postSentenceSupervisionEndDate": "PSSED",
}

Offenders = Mapping[str, Mapping[str, Any]]


def by_crn(offenders: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {offender["otherIds"]["crn"]: offender for offender in offenders}


def describe_changes(before: Offenders, after: Offenders, crns: Iterable[str] | None = None) -> list[str]:
    """One line per changed offender, e.g. "X142620: nomsNumber - -> A5089DY, bookNumber - -> 38339A".
    `crns`: only these offenders (default: all)."""
    lines = []
    for crn in sorted(crns if crns is not None else set(before) | set(after)):
        old, new = before.get(crn), after.get(crn)
        if old is None or new is None:
            lines.append(f"{crn}: {'added' if old is None else 'removed'}")
            continue
        changes = _offender_changes(old, new)
        if changes:
            lines.append(f"{crn}: {', '.join(changes)}")
    return lines


def _offender_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changes = _changed("nomsNumber", old["otherIds"].get("nomsNumber"), new["otherIds"].get("nomsNumber"))
    old_custody = {c["convictionId"]: c.get("custody") or {} for c in old.get("convictions", [])}
    for conviction in new.get("convictions", []):
        custody = conviction.get("custody") or {}
        previous = old_custody.get(conviction["convictionId"], {})
        changes += _changed("bookNumber", previous.get("bookingNumber"), custody.get("bookingNumber"))
        changes += _changed(
            "institution",
            (previous.get("institution") or {}).get("description"),
            (custody.get("institution") or {}).get("description"),
        )
        changes += _key_date_changes(previous.get("keyDates") or {}, custody.get("keyDates") or {})
    return changes


def _key_date_changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    if dict(old) == dict(new):
        return []
    shown = " ".join(f"{KEY_DATE_ABBREVIATIONS.get(name, name)}={value}" for name, value in new.items())
    return [f"keyDates -> {shown or 'none'}"]


def _changed(what: str, old: object, new: object) -> list[str]:
    return [] if old == new else [f"{what} {old or '-'} -> {new or '-'}"]
