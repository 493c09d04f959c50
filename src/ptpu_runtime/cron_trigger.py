"""APScheduler 3.x triggers that fire once per real occurrence through a time zone's clock changes.

`SpringCronTrigger` fires at the instants whose wall-clock time in its zone a Spring cron matches, which is
what Spring 5.3's `CronExpression.next(ZonedDateTime)` computes (spring-framework, CronExpression.java and
CronField.java after the fixes for #28038 / #28095, v5.3.17 on; checked against v5.3.39 in
tests/fixtures/spring-cron): a wall-clock time that occurs twice when the clocks go back fires twice, once
in each offset (Europe/London's `0 0 * * * *` fires at 01:00 BST and again at 01:00 GMT); a wall-clock time
skipped when the clocks go forward does not fire at all (its `0 30 1 * * *` does not fire on the last
Sunday of March: CronExpressionTests.daylightSaving, `0 10 2 * * *` in Europe/Amsterdam).

APScheduler's own CronTrigger is not used: in the repeated hour it hands back its previous fire time as the
next one (agronholm/apscheduler #1021), and the scheduler thread then collects run times for ever.
`StrictlyLater` guards any trigger against that kind of fault.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.util import astimezone
from tzlocal import get_localzone

from ptpu_runtime.cron import SpringCron, parse_spring_cron

log = logging.getLogger(__name__)

# Far enough to find the rarest Spring day (a fifth Monday of a 29-day February: 28 years apart).
_SEARCH = timedelta(days=366 * 29)
# Offsets are probed this far apart when looking for a clock change: no zone changes its clocks twice within it.
_PROBE_STEP = timedelta(hours=12)
_SECOND = timedelta(seconds=1)


def spring_cron_trigger(expression: str, timezone: tzinfo | str | None = None) -> SpringCronTrigger:
    """The trigger for a Spring cron expression in `timezone` (a tzinfo or a zone name; None: the machine's
    zone, as Spring's @Scheduled uses the JVM's default). Raises cron.CronSyntaxError."""
    return SpringCronTrigger(parse_spring_cron(expression), timezone, expression)


class SpringCronTrigger(BaseTrigger):
    """Fires at each instant whose wall-clock time in `timezone` the expression matches."""

    def __init__(self, cron: SpringCron, timezone: tzinfo | str | None = None, expression: str = "") -> None:
        self.timezone: tzinfo = astimezone(timezone) or get_localzone()
        self.cron = cron
        self.expression = expression

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # As APScheduler's CronTrigger: after a previous fire, the next one after it (a missed fire is still
        # found, then coalesced by the scheduler); at the first, the first at or after now. Arithmetic in
        # UTC: adding to a zoned time adds to its wall-clock time and drops its fold (PEP 495), so 01:00
        # GMT plus a microsecond would be 01:00 BST, an hour earlier.
        if previous_fire_time is None:
            return self.first_at_or_after(now)
        return self.first_at_or_after(_utc(previous_fire_time) + timedelta(microseconds=1))

    def first_at_or_after(self, start: datetime) -> datetime | None:
        """The first fire at or after the (aware) instant `start`, in the trigger's zone; None if none within
        29 years. Later than `start`'s whole second only if `start` has a fraction of one."""
        instant = _ceil_second(_utc(start))
        limit = instant + _SEARCH
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

    def __repr__(self) -> str:
        return f"<SpringCronTrigger ({self.expression!r}, timezone={self.timezone!s})>"


class StrictlyLater(BaseTrigger):
    """Wraps a trigger so that a next fire time is always later than the previous one.

    APScheduler asks for the next fire time until it passes now; a trigger that answers with its previous
    fire time (or an earlier one) keeps the scheduler thread in that loop for ever, every job stopped. On
    such an answer this logs an ERROR and asks the trigger afresh from a second, a minute, an hour, then a
    day after the previous fire; None (no further fire) if it still has no later one.
    """

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
    offset = instant.astimezone(zone).utcoffset()
    return offset if offset is not None else timedelta(0)


def _offset_change(zone: tzinfo, start: datetime, offset: timedelta, until: datetime) -> datetime | None:
    """The first whole-second instant in (start, until] whose offset is not `offset` (the clocks change
    then); None when the offset holds throughout."""
    before = start
    while before < until:
        probe = min(before + _PROBE_STEP, until)
        if _offset(zone, probe) != offset:
            return _first_changed(zone, before, probe, offset)
        before = probe
    return None


def _first_changed(zone: tzinfo, same: datetime, changed: datetime, offset: timedelta) -> datetime:
    """Bisect to the second: `same` has `offset`, `changed` (a whole second) does not."""
    while changed - same > _SECOND:
        middle = _ceil_second(same + (changed - same) / 2)
        if middle >= changed:
            break
        if _offset(zone, middle) == offset:
            same = middle
        else:
            changed = middle
    return changed
