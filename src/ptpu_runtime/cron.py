"""Spring's 6-field cron (`second minute hour day month weekday`) as an APScheduler 3.x CronTrigger.

Every field is expanded to an explicit list of values, so Spring-only forms (`a/n`, `?`, weekday 7)
never reach APScheduler. The weekday matters most: Spring counts 0 (and 7) as Sunday, APScheduler 3.x
counts 0 as Monday, so weekdays are handed over as names, which both agree on.
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]  # Spring numbering: index = value, 7 = SUN too

# (name, lowest, highest, names for lowest.. in order)
_FIELDS: list[tuple[str, int, int, list[str]]] = [
    ("second", 0, 59, []),
    ("minute", 0, 59, []),
    ("hour", 0, 23, []),
    ("day", 1, 31, []),
    ("month", 1, 12, _MONTHS),
    ("weekday", 0, 7, _DAYS + ["SUN"]),
]


class CronSyntaxError(ValueError):
    pass


def spring_cron_trigger(expression: str, timezone: tzinfo | str | None = None) -> CronTrigger:
    """The trigger for a Spring cron expression; CronSyntaxError says which field is wrong and why."""
    fields = expression.split()
    if len(fields) != 6:
        raise CronSyntaxError(f"'{expression}' has {len(fields)} fields; Spring cron needs 6 (second minute hour "
                              "day month weekday)")
    second, minute, hour, day, month, weekday = (
        sorted(_expand(text, *spec)) for text, spec in zip(fields, _FIELDS, strict=True)
    )
    weekdays = sorted({value % 7 for value in weekday})
    return CronTrigger(
        second=_join(second),
        minute=_join(minute),
        hour=_join(hour),
        day=_join(day),
        month=_join(month),
        day_of_week=",".join(_DAYS[value].lower() for value in weekdays),
        timezone=timezone,
    )


def _join(values: list[int]) -> str:
    return ",".join(str(value) for value in values)


def _expand(text: str, name: str, low: int, high: int, names: list[str]) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        values |= _expand_part(part, name, low, high, names)
    return values


def _expand_part(part: str, name: str, low: int, high: int, names: list[str]) -> set[int]:
    range_text, _, step_text = part.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) == 0:
            raise CronSyntaxError(f"{name} field '{part}': step must be a positive number")
        step = int(step_text)
    if range_text in ("*", "?"):
        if range_text == "?" and name not in ("day", "weekday"):
            raise CronSyntaxError(f"{name} field '{part}': '?' is only allowed for day or weekday")
        # Spring's weekday `*` is 1..7 (Monday..Sunday), so `*/2` is MON,WED,FRI,SUN; 7 becomes 0 later.
        start, end = (1, 7) if name == "weekday" else (low, high)
    elif "-" in range_text:
        first, _, last = range_text.partition("-")
        start, end = _value(first, name, low, high, names), _value(last, name, low, high, names)
        if start > end:
            raise CronSyntaxError(f"{name} field '{part}': range start is after its end")
    else:
        start = _value(range_text, name, low, high, names)
        # Spring reads `a/n` as "from a, every n"; a lone value is just itself.
        end = high if step_text else start
    return set(range(start, end + 1, step))


def _value(text: str, name: str, low: int, high: int, names: list[str]) -> int:
    upper = text.upper()
    if names and upper in names:
        return names.index(upper) + low
    if not text.isdigit():
        raise CronSyntaxError(f"{name} field: '{text}' is not a number" + (" or a name" if names else ""))
    value = int(text)
    if not low <= value <= high:
        raise CronSyntaxError(f"{name} field: {value} is outside {low}-{high}")
    return value
