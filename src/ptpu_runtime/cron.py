"""Spring 5.3's cron (`second minute hour day month weekday`, or a macro) as an APScheduler 3.x trigger.

Every form Spring's `CronExpression.parse` accepts (its javadoc, 5.3): lists, ranges, steps (`a/n` = from
a every n), names (JAN-DEC, MON-SUN), weekday 0 and 7 both Sunday, `?` for day or weekday; in the day
field `L` (last day), `L-n` (n days before the last), `nW` (the weekday nearest day n: a Saturday moves
to Friday, or to Monday the 3rd for 1W; a Sunday to Monday, none that month if it is the last day),
`LW` (last weekday); in the weekday field `dL` (last d of the month) and `d#n` (n-th d of the month), d in
Spring's numbering; macros `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`.
As in Spring, the day and weekday fields must BOTH match (Vixie cron would OR them).

Why not croniter or cronsim: both follow Vixie cron (seconds last, day OR weekday) and neither takes
`nW`/`LW`/`L-n` as Spring does. This module works on wall-clock time only (`SpringCron.first_at_or_after`);
cron_trigger.py maps wall-clock times to instants in a time zone, through its clock changes.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

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
    """A parsed expression: the time-of-day fields as sorted values, the calendar days as predicates."""

    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    day_rules: tuple[DayRule, ...] | None  # any of them (a comma list); None = every day
    weekday_rules: tuple[DayRule, ...] | None

    def matches(self, day: date) -> bool:
        return (
            day.month in self.months
            and (self.day_rules is None or any(rule(day) for rule in self.day_rules))
            and (self.weekday_rules is None or any(rule(day) for rule in self.weekday_rules))
        )

    def first_at_or_after(self, start: datetime) -> datetime | None:
        """The first wall-clock time (naive, whole seconds) at or after naive `start` that matches; None when
        none does within _SEARCH_DAYS. Knows nothing of time zones: see cron_trigger.SpringCronTrigger."""
        if start.microsecond:
            start = start.replace(microsecond=0) + timedelta(seconds=1)
        day, after = start.date(), start.time()
        for _ in range(_SEARCH_DAYS):
            if self.matches(day):
                at = self._time_at_or_after(after)
                if at is not None:
                    return datetime.combine(day, at)
            day, after = day + timedelta(days=1), time.min
        return None

    def _time_at_or_after(self, after: time) -> time | None:
        for hour in self.hours[bisect_left(self.hours, after.hour):]:
            same_hour = hour == after.hour
            for minute in self.minutes[bisect_left(self.minutes, after.minute) if same_hour else 0:]:
                same_minute = same_hour and minute == after.minute
                seconds = self.seconds[bisect_left(self.seconds, after.second) if same_minute else 0:]
                if seconds:
                    return time(hour, minute, seconds[0])
        return None


def parse_spring_cron(expression: str) -> SpringCron:
    """Parse; CronSyntaxError says which field is wrong and why."""
    text = MACROS.get(expression.strip().lower(), expression)
    fields = text.split()
    if len(fields) != 6:
        raise CronSyntaxError(f"'{expression}' has {len(fields)} fields; Spring cron needs 6 (second minute hour "
                              f"day month weekday) or one of {', '.join(MACROS)}")
    second, minute, hour, day, month, weekday = fields
    return SpringCron(
        seconds=tuple(sorted(_expand(second, "second", 0, 59))),
        minutes=tuple(sorted(_expand(minute, "minute", 0, 59))),
        hours=tuple(sorted(_expand(hour, "hour", 0, 23))),
        months=frozenset(_expand(month, "month", 1, 12, _MONTHS)),
        day_rules=_day_rules(day),
        weekday_rules=_weekday_rules(weekday),
    )


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
