"""Spring 5.3's cron (`second minute hour day month weekday`, or a macro) as an APScheduler 3.x trigger.

Every form Spring's `CronExpression.parse` accepts (its javadoc, 5.3): lists, ranges, steps (`a/n` = from
a every n), names (JAN-DEC, MON-SUN), weekday 0 and 7 both Sunday, `?` for day or weekday; in the day
field `L` (last day), `L-n` (n days before the last), `nW` (the weekday nearest day n: a Saturday moves
to Friday, or to Monday the 3rd for 1W; a Sunday to Monday, none that month if it is the last day),
`LW` (last weekday); in the weekday field `dL` (last d of the month) and `d#n` (n-th d of the month), d in
Spring's numbering; macros `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`.
As in Spring, the day and weekday fields must BOTH match (Vixie cron would OR them).

Why not croniter or cronsim: both follow Vixie cron (seconds last, day OR weekday) and neither takes
`nW`/`LW`/`L-n` as Spring does, so the translation would be thicker than this. APScheduler (already the
scheduler) does the time-of-day, month and daylight-saving arithmetic; this module only decides which
calendar days match.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from attrs import frozen

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]  # Spring numbering: index = value, 7 = SUN too
MACROS = {
    "@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0", "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *", "@hourly": "0 0 * * * *",
}
# Far enough to find the rarest Spring day (a fifth Monday of a 29-day February: 28 years apart).
_SEARCH_DAYS = 366 * 29

DayRule = Callable[[date], bool]


class CronSyntaxError(ValueError):
    pass


@frozen
class SpringCron:
    """A parsed expression: the time-of-day fields for APScheduler, the calendar days as predicates."""

    second: str
    minute: str
    hour: str
    months: frozenset[int]
    day_rules: tuple[DayRule, ...] | None  # any of them (a comma list); None = every day
    weekday_rules: tuple[DayRule, ...] | None

    def matches(self, day: date) -> bool:
        return (
            day.month in self.months
            and (self.day_rules is None or any(rule(day) for rule in self.day_rules))
            and (self.weekday_rules is None or any(rule(day) for rule in self.weekday_rules))
        )


def parse_spring_cron(expression: str) -> SpringCron:
    """Parse; CronSyntaxError says which field is wrong and why."""
    text = MACROS.get(expression.strip().lower(), expression)
    fields = text.split()
    if len(fields) != 6:
        raise CronSyntaxError(f"'{expression}' has {len(fields)} fields; Spring cron needs 6 (second minute hour "
                              f"day month weekday) or one of {', '.join(MACROS)}")
    second, minute, hour, day, month, weekday = fields
    return SpringCron(
        second=_join(_expand(second, "second", 0, 59)),
        minute=_join(_expand(minute, "minute", 0, 59)),
        hour=_join(_expand(hour, "hour", 0, 23)),
        months=frozenset(_expand(month, "month", 1, 12, _MONTHS)),
        day_rules=_day_rules(day),
        weekday_rules=_weekday_rules(weekday),
    )


def spring_cron_trigger(expression: str, timezone: tzinfo | str | None = None) -> SpringCronTrigger:
    """The APScheduler trigger for a Spring cron expression (local time zone unless given)."""
    return SpringCronTrigger(parse_spring_cron(expression), timezone, expression)


class SpringCronTrigger(BaseTrigger):
    """Fires at the expression's times of day on the days it matches."""

    def __init__(self, cron: SpringCron, timezone: tzinfo | str | None = None, expression: str = "") -> None:
        # APScheduler picks the zone (the machine's own when None) exactly as for its own cron triggers.
        self._time_of_day = CronTrigger(second=cron.second, minute=cron.minute, hour=cron.hour, timezone=timezone)
        self.timezone = self._time_of_day.timezone
        self.cron = cron
        self.expression = expression

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # As APScheduler's CronTrigger: a missed fire time after the previous one is still found.
        start = now
        if previous_fire_time is not None:
            start = min(now, previous_fire_time + timedelta(microseconds=1))
            if start <= previous_fire_time:
                start = previous_fire_time + timedelta(microseconds=1)
        day = start.astimezone(self.timezone).date()
        for _ in range(_SEARCH_DAYS):
            if self.cron.matches(day):
                fire = self._time_of_day.get_next_fire_time(None, max(start, self._midnight(day)))
                if fire is not None and fire.astimezone(self.timezone).date() == day:
                    return fire
            day += timedelta(days=1)
        return None

    def _midnight(self, day: date) -> datetime:
        naive = datetime.combine(day, time.min)
        zone: Any = self.timezone
        return zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)

    def __str__(self) -> str:
        return f"spring-cron[{self.expression}]"


def _join(values: set[int]) -> str:
    return ",".join(str(value) for value in sorted(values))


def _day_rules(text: str) -> tuple[DayRule, ...] | None:
    if text in ("*", "?"):
        return None
    return tuple(_day_rule(part) for part in text.split(","))


def _day_rule(part: str) -> DayRule:
    upper = part.upper()
    if upper == "L":
        return lambda day: day.day == _month_length(day)
    if upper == "LW":
        return lambda day: day == _last_weekday(day)
    if upper.startswith("L-"):
        offset = _number(upper[2:], "day", 1, 30, f"'{part}': L-n needs n from 1 to 30")
        return lambda day: day.day == _month_length(day) - offset
    if upper.endswith("W"):
        target = _number(upper[:-1], "day", 1, 31, f"'{part}': nW needs a day from 1 to 31")
        return lambda day: day == _nearest_weekday(day, target)
    days = _expand_part(part, "day", 1, 31, [])
    return lambda day: day.day in days


def _weekday_rules(text: str) -> tuple[DayRule, ...] | None:
    if text in ("*", "?"):
        return None
    return tuple(_weekday_rule(part) for part in text.split(","))


def _weekday_rule(part: str) -> DayRule:
    upper = part.upper()
    if "#" in upper:
        name, _, nth_text = upper.partition("#")
        weekday = _python_weekday(_value(name, "weekday", 0, 7, _DAYS))
        nth = _number(nth_text, "weekday", 1, 5, f"'{part}': d#n needs n from 1 to 5")
        return lambda day: day.weekday() == weekday and (day.day - 1) // 7 + 1 == nth
    if upper.endswith("L"):
        if upper == "L":
            raise CronSyntaxError("weekday field 'L': name the day, e.g. 5L or FRIL for the last Friday")
        weekday = _python_weekday(_value(upper[:-1], "weekday", 0, 7, _DAYS))
        return lambda day: day.weekday() == weekday and day.day + 7 > _month_length(day)
    weekdays = {_python_weekday(value) for value in _expand_part(part, "weekday", 0, 7, _DAYS + ["SUN"])}
    return lambda day: day.weekday() in weekdays


def _python_weekday(spring: int) -> int:
    """Spring 0/7 = Sunday, 1 = Monday .. 6 = Saturday -> Python's Monday 0 .. Sunday 6."""
    return (spring - 1) % 7


def _month_length(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _last_weekday(day: date) -> date:
    last = day.replace(day=_month_length(day))
    return last - timedelta(days=max(0, last.weekday() - 4))


def _nearest_weekday(day: date, target: int) -> date | None:
    """Spring's `nW` in `day`'s month: day n if Monday-Friday; a Saturday moves to the Friday before (to
    Monday the 3rd when n is 1), a Sunday to the Monday after. None when the month has no day n, or when
    n is a Sunday and the month's last day: Spring's Monday after lies in the next month, where its
    day-of-month check then fails, so Spring never fires that month (QuartzCronField.weekdayNearestTo)."""
    length = _month_length(day)
    if target > length:
        return None
    nearest = day.replace(day=target)
    if nearest.weekday() == 5:
        return nearest + timedelta(days=2) if target == 1 else nearest - timedelta(days=1)
    if nearest.weekday() == 6:
        return None if target == length else nearest + timedelta(days=1)
    return nearest


def _number(text: str, name: str, low: int, high: int, complaint: str) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise CronSyntaxError(f"{name} field {complaint}")
    return int(text)


def _expand(text: str, name: str, low: int, high: int, names: list[str] | None = None) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        values |= _expand_part(part, name, low, high, names or [])
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
        # Spring's weekday `*` is 1..7 (Monday..Sunday), so `*/2` is MON,WED,FRI,SUN.
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
