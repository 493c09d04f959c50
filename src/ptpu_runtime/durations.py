"""Spring Boot duration strings (`500ms`, `3s`, `15m`, `1h`, `2d`, ISO-8601 `PT15M`) as timedelta."""

from __future__ import annotations

import re
from datetime import timedelta

_SIMPLE = re.compile(r"^([+-]?\d+)(ns|us|ms|s|m|h|d)?$", re.IGNORECASE)
_ISO = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_UNITS = {
    "ns": timedelta(microseconds=0.001),
    "us": timedelta(microseconds=1),
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
}


def parse_duration(text: str, default_unit: str = "ms") -> timedelta:
    """Spring's rule: a bare number takes the property's default unit (milliseconds unless stated)."""
    value = text.strip()
    simple = _SIMPLE.match(value)
    if simple:
        amount, unit = simple.groups()
        duration = int(amount) * _UNITS[(unit or default_unit).lower()]
    else:
        duration = _parse_iso(value)
    if duration < timedelta(0):
        raise ValueError(f"'{text}' is negative")
    return duration


def _parse_iso(value: str) -> timedelta:
    iso = _ISO.match(value)
    if not iso or value.upper() in ("P", "PT") or value.upper().endswith("T"):
        raise ValueError(f"'{value}' is not a duration (use e.g. 500ms, 3s, 15m, 1h, 2d or PT15M)")
    parts = {name: float(number) for name, number in iso.groupdict().items() if number is not None}
    return timedelta(**parts)
