"""How a setting of `ptpu_runtime.config.Settings` is declared (`setting(...)`), read (`read_all`) and shown
(`ptpu serve --help`, docs/configuration.md). An alias means the same; both set differently is a problem."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs
from attrs import NOTHING, frozen

from ptpu_core.errors import ConfigError
from ptpu_core.settings import AGENCY_ID, RECORD_LIFETIME

SPEC = "ptpu.setting"  # the attrs metadata key holding a field's Spec
_FLAGS = dict.fromkeys(("true", "1", "yes", "on"), True) | dict.fromkeys(("false", "0", "no", "off"), False)
T = TypeVar("T")


class SettingsError(ConfigError):
    """Every missing or malformed setting at once; `problems` holds one line each ("NAME: what is wrong")."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@frozen
class Kind:
    """`unit` names it for readers; `parse` raises ValueError with a one-line reason; `show` is its inverse."""

    unit: str
    parse: Callable[[str], Any]
    show: Callable[[Any], str] = str


@frozen
class Spec:
    """`names`: its variables (two for a key pair); `required_if` = (earlier field, value) making it required."""

    names: tuple[str, ...]
    kind: Kind
    meaning: str
    required: bool
    secret: bool = False
    required_if: tuple[str, str] | None = None
    shown_default: str | None = None
    aliases: tuple[str, ...] = ()


def setting(
    name: str, kind: Kind, meaning: str, default: Any = NOTHING, *, secret: bool = False,
    required_if: tuple[str, str] | None = None, shown_default: str | None = None, also: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
) -> Any:
    """A Settings field read from `name` (and `also`, a key pair's second half) or `aliases`; no default = required."""
    spec = Spec((name, *also), kind, meaning, default is NOTHING, secret, required_if, shown_default, aliases)
    return attrs.field(default=default, repr=not secret, metadata={SPEC: spec})


def specs(settings_class: type) -> list[tuple[str, Spec, Any]]:
    return [(f.name, f.metadata[SPEC], f.default) for f in attrs.fields(settings_class) if SPEC in f.metadata]


def read_all(settings_class: type, env: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Field values from `env` (a field without a value or with a bad one left out), and every problem."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for field_name, spec, _ in specs(settings_class):
        try:
            value = _read_one(spec, env, values)
        except ConfigError as error:
            problems.append(str(error))
            continue
        if value is not None:
            values[field_name] = value
    return values, problems


def _read_one(spec: Spec, env: Mapping[str, str], earlier: Mapping[str, Any]) -> Any:
    given = {name: text for name in (*spec.names, *spec.aliases) if (text := _text(spec, name, env)) is not None}
    if len(spec.names) == 2:
        return _key_pair(spec, given)
    if not given:
        if spec.required or (spec.required_if and earlier.get(spec.required_if[0]) == spec.required_if[1]):
            raise ConfigError(f"{_either(spec)}: required but not set")
        return None
    (first_name, first_value), *others = [(name, _parse(spec, name, text)) for name, text in given.items()]
    for other_name, other_value in others:
        if other_value != first_value:
            shown = "" if spec.secret else f" ({spec.kind.show(first_value)} vs {spec.kind.show(other_value)})"
            raise ConfigError(f"{first_name} and {other_name}: the same setting given different values{shown}")
    return first_value


def _text(spec: Spec, name: str, env: Mapping[str, str]) -> str | None:
    """The value stripped; None when unset or empty (the default). Only whitespace is a mistake, never a value;
    so is an empty switch."""
    value = env.get(name)
    flag = spec.kind is FLAG
    if value is None or (value == "" and not flag):
        return None
    if value.strip():
        return value.strip()
    what = "set but empty" if value == "" else "set to only whitespace"
    fix = "write true or false" if flag else "give a value" if spec.required else (
        "give a value, or leave it empty or unset for the default")
    raise ConfigError(f"{name}: {what} ({fix})")


def _parse(spec: Spec, name: str, text: str) -> Any:
    try:
        return spec.kind.parse(text)
    except ValueError as error:
        reason = "malformed" if spec.secret else " ".join(str(error).split())
        raise ConfigError(f"{name}: {reason}") from None


def _either(spec: Spec) -> str:
    """The variable's name(s), with its aliases as alternatives: "SQS_QUEUE_NAME (or HMPPS_SQS_...)"."""
    return " + ".join(spec.names) + "".join(f" (or {alias})" for alias in spec.aliases)


def _key_pair(spec: Spec, given: Mapping[str, str]) -> Any:
    """Both halves or neither: the kind parses `key id\nsecret`."""
    key_name, secret_name = spec.names
    if not given:
        return None
    if key_name not in given:
        raise ConfigError(f"{key_name}: required when {secret_name} is set")
    if secret_name not in given:
        raise ConfigError(f"{secret_name}: required when {key_name} is set")
    return spec.kind.parse(f"{given[key_name]}\n{given[secret_name]}")


def show_default(spec: Spec, default: Any) -> str:
    """The default as a user would write it ("required" when there is none)."""
    if spec.shown_default is not None:
        return spec.shown_default
    if default is NOTHING:
        return "required"
    if default is None:
        return "(not set)"
    return spec.kind.show(default)


def help_text(settings_class: type, rules: tuple[str, ...]) -> str:
    """Every variable with its default, its meaning indented below, then `rules`: `ptpu serve --help`."""
    lines = [
        f"  {_either(spec)}  [{show_default(spec, default)}]\n      {spec.meaning}"
        for _, spec, default in specs(settings_class)]
    return ("environment variables [default] (also docs/configuration.md):\n" + "\n".join(lines)
            + "\n\n" + "\n".join(textwrap.fill(rule, 100) for rule in rules))


_SIMPLE = re.compile(r"^([+-]?\d+)(ns|us|ms|s|m|h|d)?$", re.IGNORECASE)
# ISO-8601 days and time; "P" and "T" must each be followed by a number ("P", "PT" and "P1DT" are refused).
_ISO = re.compile(
    r"^P(?=.)(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE)
_UNITS = {
    "ns": timedelta(microseconds=0.001), "us": timedelta(microseconds=1), "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1), "m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def parse_duration(value: str) -> timedelta:
    """Spring's forms: a whole number and a unit, a bare number being milliseconds (Spring's default unit), or
    ISO-8601 (PT15M)."""
    if simple := _SIMPLE.match(value):
        amount, unit = simple.groups()
        duration = int(amount) * _UNITS[(unit or "ms").lower()]
    elif iso := _ISO.match(value):
        duration = timedelta(**{name: float(number) for name, number in iso.groupdict().items() if number})
    else:
        raise ValueError(f"'{value}' is not a duration (use e.g. 500ms, 3s, 15m, 1h, 2d or PT15M)")
    if duration < timedelta(0):
        raise ValueError(f"'{value}' is negative")
    return duration


def _url(value: str) -> str:
    parts = urlsplit(value)
    # A single-label host (a cluster service name) is fine; white space or a control character is not.
    if (parts.scheme not in ("http", "https") or not parts.hostname
            or any(character.isspace() or not character.isprintable() for character in value)):
        raise ValueError(f"'{value}' is not an http(s) URL")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError:
        raise ValueError(f"'{value}' is not an http(s) URL (its port)") from None
    return value.rstrip("/")


# AWS region names: eu-west-2, us-gov-west-1, ap-southeast-3 (what botocore itself accepts, roughly).
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


def _prison_codes(value: str) -> frozenset[str]:
    """Comma-separated NOMIS agency ids; naming none (only commas) is refused, not read as every prison."""
    codes = [code.strip() for code in value.split(",")]
    if bad := [code for code in codes if code and not AGENCY_ID.fullmatch(code)]:
        raise ValueError(
            f"{', '.join(repr(code) for code in bad)} is not a prison code (upper-case letters and digits, "
            "comma-separated, e.g. MDI,LEI)")
    if not any(codes):
        raise ValueError(f"'{value}' names no prison (leave it empty for every prison)")
    return frozenset(code for code in codes if code)


def checked(parse: Callable[[str], T], ok: Callable[[T], bool], complaint: str) -> Callable[[str], T]:
    """`parse`, then ValueError "'<value>' <complaint>" unless `ok` holds."""

    def parse_checked(value: str) -> T:
        parsed = parse(value)
        if not ok(parsed):
            raise ValueError(f"'{value}' {complaint}")
        return parsed

    return parse_checked


def _whole(low: int, high: float, what: str) -> Callable[[str], int]:
    """A whole number from `low` to `high`; otherwise "'<value>' is not <what>"."""

    def parse(value: str) -> int:
        if not value.isdigit() or not low <= int(value) <= high:
            raise ValueError(f"'{value}' is not {what}")
        return int(value)

    return parse


def _address(value: str) -> str:
    """A host name or an IP address: no spaces, nor a URL's `/?#@`."""
    if any(character.isspace() or character in "/?#@" for character in value):
        raise ValueError(f"'{value}' is not an IP address or host name")
    return value


def _flag(value: str) -> bool:
    """Any case of the words in `_FLAGS`."""
    flag = _FLAGS.get(value.lower())
    if flag is None:
        raise ValueError(f"'{value}' is not true or false")
    return flag


def show_duration(duration: timedelta) -> str:
    """A duration in the shortest Spring form that is exact: 2d, 1h, 15m, 30s or 500ms."""
    milliseconds = round(duration.total_seconds() * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if milliseconds and milliseconds % size == 0:
            return f"{milliseconds // size}{unit}"
    return f"{milliseconds}ms"


def choice(*allowed: str) -> Kind:
    """One of `allowed` (case-insensitive), stored lower-case."""

    def pick(value: str) -> str:
        if value.lower() not in allowed:
            raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
        return value.lower()

    return Kind(" | ".join(allowed), pick)


def _durations(unit: str, ok: Callable[[timedelta], bool], complaint: str) -> Kind:
    """Durations for which `ok` holds; otherwise "'<value>' <complaint>"."""
    return Kind(unit, checked(parse_duration, ok, complaint), show_duration)


TEXT = Kind("text", str)
REGION = Kind("AWS region name", checked(
    str, lambda value: bool(_REGION.fullmatch(value)), "is not an AWS region name (e.g. eu-west-2)"))
PRISON_CODES = Kind(
    "comma-separated prison codes", _prison_codes, lambda value: ",".join(sorted(value)) or "(empty: all)")
URL = Kind("http(s) URL", _url)
PORT = Kind("port (1-65535)", _whole(1, 65535, "a port number (1-65535)"))
ADDRESS = Kind("IP address or host name", _address)
POSITIVE_INT = Kind("whole number (1 or more)", _whole(1, float("inf"), "a positive whole number"))
LONG_POLL_SECONDS = Kind(
    "seconds (0-20)", _whole(0, 20, "a whole number of seconds from 0 to 20 (the SQS long-poll limit)"))
DURATION = Kind("duration", parse_duration, show_duration)
POSITIVE_DURATION = _durations(
    "duration (100ms or more)", lambda duration: duration >= timedelta(milliseconds=100), "is shorter than 100ms")
# Shorter than a record's lifetime: a longer hold-back would let no record be processed.
HOLD_BACK = _durations(
    f"duration (under {RECORD_LIFETIME.days}d)", lambda duration: duration < RECORD_LIFETIME,
    f"is not shorter than a record's lifetime ({RECORD_LIFETIME.days}d): no record would ever be processed")
VISIBILITY_TIMEOUT = _durations(
    "duration (1s-12h)", lambda duration: timedelta(seconds=1) <= duration <= timedelta(hours=12),
    "is not a duration from 1s to 12h (the SQS visibility timeout limits)")
# Spring's StringToBooleanConverter also takes on/off, yes/no and 1/0 (any case): so do we.
FLAG = Kind("true | false (also on/off, yes/no, 1/0)", _flag, lambda value: "true" if value else "false")
