"""Converters and validators refusing at construction, with a TypeError naming the field, values that would be
taken silently wrong: a str or a non-collection for a set of codes (`frozenset("MDI")`), a str for a bool."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any


def not_a_string(values: Iterable[Any], field: str) -> tuple[Any, ...]:
    """`values` as a tuple; TypeError when it is a single string (or bytes) or not a collection at all."""
    if isinstance(values, str | bytes):
        raise TypeError(f"{field} takes a collection, not the string {values!r}")
    if not isinstance(values, Iterable):
        raise TypeError(f"{field} takes a collection, not {values!r}")
    return tuple(values)


def string_set(values: Iterable[str], field: str) -> frozenset[str]:
    """`values` as a frozenset; TypeError as `not_a_string`, or when it holds a non-string."""
    collected = frozenset(not_a_string(values, field))
    strays = sorted(repr(value) for value in collected if not isinstance(value, str))
    if strays:
        raise TypeError(f"{field} takes strings only, not {', '.join(strays)}")
    return collected


def is_bool(instance: object, attribute: Any, value: object) -> None:
    """attrs validator: only True or False (a string such as "false" would be truthy)."""
    if not isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be True or False, not {value!r}")


def is_whole(instance: object, attribute: Any, value: Any) -> None:
    """attrs validator: an int, never a bool or a numeric string ("1200835" would be a different key)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be a whole number (int), not {value!r}")


def is_duration(instance: object, attribute: Any, value: object) -> None:
    """attrs validator: a timedelta of zero or more."""
    if not isinstance(value, timedelta):
        raise TypeError(f"{attribute.name} must be a datetime.timedelta, not {value!r}")
    if value < timedelta(0):
        raise ValueError(f"{attribute.name} must not be negative, not {value}")
