"""Spring 5.3's cron (`second minute hour day month weekday`, or a macro) as an APScheduler 3.x trigger: every
form `CronExpression.parse` accepts (lists, ranges, steps, names, `?`, `L`, `L-n`, `nW`, `LW`, `dL`, `d#n`, `@`
macros; day AND weekday must both match). `SpringCronTrigger` fires when the wall-clock time in its zone matches,
as `CronExpression.next` (v5.3.17 on; checked against v5.3.39 in tests/fixtures/spring-cron): twice in a repeated
hour, never in a skipped one. `StrictlyLater` guards any trigger against repeating its previous fire."""

from __future__ import annotations

import calendar
import logging
from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.util import astimezone
from attrs import frozen
from tzlocal import get_localzone

log = logging.getLogger(__name__)

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]  # Spring numbering: index = value, 7 = SUN too
MACROS = {
    "@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0", "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *", "@hourly": "0 0 * * * *"}
# Far enough to find the rarest Spring day (a fifth Monday of a 29-day February: 28 years apart).
_SEARCH_DAYS = 366 * 29

DayRule = Callable[[date], bool]


class CronSyntaxError(ValueError):
    pass


@frozen
class SpringCron:
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    day_rules: tuple[DayRule, ...] | None  # any of them (a comma list); None = every day
    weekday_rules: tuple[DayRule, ...] | None

    def matches(self, day: date) -> bool:
        return (
            day.month in self.months
            and (self.day_rules is None or any(rule(day) for rule in self.day_rules))
            and (self.weekday_rules is None or any(rule(day) for rule in self.weekday_rules)))

    def first_at_or_after(self, start: datetime) -> datetime | None:
        """The first naive wall-clock time (whole seconds) at or after `start` that matches; None past _SEARCH_DAYS."""
        start = _ceil_second(start)
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
        seconds=_expand(second, "second", 0, 59),
        minutes=_expand(minute, "minute", 0, 59),
        hours=_expand(hour, "hour", 0, 23),
        months=_expand(month, "month", 1, 12, _MONTHS),
        day_rules=_rules(day, _day_rule),
        weekday_rules=_rules(weekday, _weekday_rule))


def _rules(text: str, rule: Callable[[str], DayRule]) -> tuple[DayRule, ...] | None:
    """A day or weekday field: None for `*` or `?` (every day), else one predicate per comma-separated part."""
    return None if text in ("*", "?") else tuple(rule(part) for part in text.split(","))


def _day_rule(part: str) -> DayRule:
    upper = part.upper()
    if upper == "L":
        return lambda day: day.day == _month_length(day)
    if upper == "LW":
        return lambda day: day == _last_weekday(day)
    if upper.startswith("L-"):
        offset = _value(upper[2:], "day", 1, 30, complaint=f"'{part}': L-n needs n from 1 to 30")
        return lambda day: day.day == _month_length(day) - offset
    if upper.endswith("W"):
        target = _value(upper[:-1], "day", 1, 31, complaint=f"'{part}': nW needs a day from 1 to 31")
        return lambda day: day == _nearest_weekday(day, target)
    days = _expand(part, "day", 1, 31)
    return lambda day: day.day in days


def _weekday_rule(part: str) -> DayRule:
    upper = part.upper()
    if "#" in upper:
        name, _, nth_text = upper.partition("#")
        weekday = _python_weekday(_value(name, "weekday", 0, 7, _DAYS))
        nth = _value(nth_text, "weekday", 1, 5, complaint=f"'{part}': d#n needs n from 1 to 5")
        return lambda day: day.weekday() == weekday and (day.day - 1) // 7 + 1 == nth
    if upper.endswith("L"):
        if upper == "L":
            raise CronSyntaxError("weekday field 'L': name the day, e.g. 5L or FRIL for the last Friday")
        weekday = _python_weekday(_value(upper[:-1], "weekday", 0, 7, _DAYS))
        return lambda day: day.weekday() == weekday and day.day + 7 > _month_length(day)
    weekdays = {_python_weekday(value) for value in _expand(part, "weekday", 0, 7, _DAYS)}
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
    """Spring's `nW` (QuartzCronField.weekdayNearestTo); None without a day n, or for a Sunday last day (as Spring)."""
    length = _month_length(day)
    if target > length:
        return None
    nearest = day.replace(day=target)
    if nearest.weekday() == 5:
        return nearest + timedelta(days=2) if target == 1 else nearest - timedelta(days=1)
    if nearest.weekday() == 6:
        return None if target == length else nearest + timedelta(days=1)
    return nearest


def _expand(text: str, name: str, low: int, high: int, names: Sequence[str] = ()) -> tuple[int, ...]:
    """The values of a comma list of values, ranges and steps, sorted."""
    values: set[int] = set()
    for part in text.split(","):
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
        values.update(range(start, end + 1, step))
    return tuple(sorted(values))


def _value(text: str, name: str, low: int, high: int, names: Sequence[str] = (), complaint: str = "") -> int:
    """A name's place (counted from `low`) or a number from `low` to `high`; else CronSyntaxError, saying
    `complaint` if given."""
    upper = text.upper()
    if upper in names:
        return names.index(upper) + low
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    if complaint:
        raise CronSyntaxError(f"{name} field {complaint}")
    if not text.isdigit():
        raise CronSyntaxError(f"{name} field: '{text}' is not a number" + (" or a name" if names else ""))
    raise CronSyntaxError(f"{name} field: {int(text)} is outside {low}-{high}")


# Offsets are probed this far apart when looking for a clock change: no zone changes its clocks twice within it.
_PROBE_STEP = timedelta(hours=12)
_SECOND = timedelta(seconds=1)


class SpringCronTrigger(BaseTrigger):
    """`timezone`: a tzinfo or zone name; None: the machine's, as @Scheduled the JVM's. Raises CronSyntaxError."""

    def __init__(self, expression: str, timezone: tzinfo | str | None = None) -> None:
        self.cron = parse_spring_cron(expression)
        self.timezone: tzinfo = astimezone(timezone) or get_localzone()
        self.expression = expression

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # As APScheduler's CronTrigger; in UTC, as adding to a zoned time drops its fold (PEP 495).
        if previous_fire_time is None:
            return self.first_at_or_after(now)
        return self.first_at_or_after(_utc(previous_fire_time) + timedelta(microseconds=1))

    def first_at_or_after(self, start: datetime) -> datetime | None:
        """The first fire at or after the aware instant `start`, in the trigger's zone; None within 29 years."""
        instant = _ceil_second(_utc(start))
        limit = instant + timedelta(days=_SEARCH_DAYS)
        while instant < limit:
            offset = _offset(self.timezone, instant)
            wall = self.cron.first_at_or_after((instant + offset).replace(tzinfo=None))
            if wall is None:
                return None
            fire = (wall - offset).replace(tzinfo=UTC)
            change = _offset_change(self.timezone, instant, offset, fire)
            if change is None:
                return fire.astimezone(self.timezone)
            # The clocks change before that wall-clock time comes round in this offset: look again from then.
            instant = change
        return None

    def __str__(self) -> str:
        return f"spring-cron[{self.expression}]"


class StrictlyLater(BaseTrigger):
    """A trigger whose next fire is always later than the previous one (an earlier or equal answer would keep
    APScheduler's thread looping for ever). On such an answer: an ERROR, then the wrapped trigger is asked afresh
    (no previous fire) from 1 s, 1 min, 1 h, then 1 d after the previous fire, each step measured from that fire;
    the first later answer is the fire. If none is later: a second ERROR ("will not run again") and None."""

    _STEPS = (timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1))

    def __init__(self, trigger: BaseTrigger, job: str) -> None:
        self.trigger = trigger
        self.job = job

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        fire: datetime | None = self.trigger.get_next_fire_time(previous_fire_time, now)
        # Compared and stepped in UTC: two times in one zone compare by wall-clock time, fold ignored (PEP 495).
        if previous_fire_time is None or fire is None or _utc(fire) > _utc(previous_fire_time):
            return fire
        log.error("%s: trigger %s gave %s as the fire after %s; asking again from later",
                  self.job, self.trigger, fire.isoformat(), previous_fire_time.isoformat())
        for step in self._STEPS:
            fire = self.trigger.get_next_fire_time(None, _utc(previous_fire_time) + step)
            if fire is not None and _utc(fire) > _utc(previous_fire_time):
                return fire
        log.error("%s: trigger %s has no fire after %s; the job will not run again", self.job, self.trigger,
                  previous_fire_time.isoformat())
        return None

    def __str__(self) -> str:
        return str(self.trigger)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _ceil_second(instant: datetime) -> datetime:
    return instant.replace(microsecond=0) + _SECOND if instant.microsecond else instant


def _offset(zone: tzinfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _offset_change(zone: tzinfo, start: datetime, offset: timedelta, until: datetime) -> datetime | None:
    """The first whole-second instant in (start, until] whose offset is not `offset`, bisected; None if none."""
    same = start
    while same < until:
        changed = min(same + _PROBE_STEP, until)
        if _offset(zone, changed) == offset:
            same = changed
            continue
        while changed - same > _SECOND:
            middle = _ceil_second(same + (changed - same) / 2)
            if middle >= changed:
                break
            if _offset(zone, middle) == offset:
                same = middle
            else:
                changed = middle
        return changed
    return None
