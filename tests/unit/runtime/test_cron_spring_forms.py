"""Every form Spring 5.3's CronExpression accepts, checked against dates worked out by hand.

The rules restated from Spring's CronExpression javadoc (5.3) and QuartzCronField: day field `L` last day,
`L-n` n days before it, `nW` nearest weekday (Saturday -> Friday, 1W on a Saturday -> Monday 3rd,
Sunday -> Monday), `LW` last weekday; weekday field `dL` last d of the month, `d#n` n-th d, with d in
cron numbering (0/7 Sunday) or a name; macros; day AND weekday must both match.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ptpu_core.rules.retry_policy import RetryTier
from ptpu_runtime.config import load_settings
from ptpu_runtime.cron import SpringCronTrigger
from ptpu_runtime.scheduling import RETRY_JOBS, ScheduleSettings, SynchronisationScheduler

UTC = ZoneInfo("UTC")


def fire_days(expression: str, start: date, count: int = 3, at: tuple[int, int] = (9, 0)) -> list[date]:
    trigger = SpringCronTrigger(expression, timezone=UTC)
    days, previous, now = [], None, datetime(start.year, start.month, start.day, tzinfo=UTC)
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert (fire.hour, fire.minute) == at
        days.append(fire.date())
        previous = now = fire
    return days


def test_last_day_of_the_month_is_the_issue_input():
    assert fire_days("0 30 23 L * *", date(2021, 1, 10), at=(23, 30)) == [
        date(2021, 1, 31), date(2021, 2, 28), date(2021, 3, 31)
    ]
    assert fire_days("0 30 23 L * *", date(2024, 2, 1), count=1, at=(23, 30)) == [date(2024, 2, 29)]


def test_first_monday_with_a_question_mark_day_is_the_issue_input():
    assert fire_days("0 30 23 ? * MON#1", date(2021, 3, 10), at=(23, 30)) == [
        date(2021, 4, 5), date(2021, 5, 3), date(2021, 6, 7)
    ]


def test_n_days_before_the_last():
    assert fire_days("0 0 9 L-2 * *", date(2021, 1, 1)) == [date(2021, 1, 29), date(2021, 2, 26), date(2021, 3, 29)]


def test_nearest_weekday_moves_saturday_back_and_sunday_forward():
    # 15 May 2021 is a Saturday, 15 Aug 2021 a Sunday.
    assert fire_days("0 0 9 15W * *", date(2021, 5, 1), count=4) == [
        date(2021, 5, 14), date(2021, 6, 15), date(2021, 7, 15), date(2021, 8, 16)
    ]


def test_1w_on_a_saturday_is_monday_the_third_and_never_the_month_before():
    # 1 May 2021 is a Saturday, 1 Aug 2021 a Sunday.
    assert fire_days("0 0 9 1W * *", date(2021, 4, 2), count=4) == [
        date(2021, 5, 3), date(2021, 6, 1), date(2021, 7, 1), date(2021, 8, 2)
    ]


def test_a_sunday_nw_on_the_last_day_does_not_fire_that_month_as_in_spring():
    # 31 Jan 2021 and 31 Oct 2021 are Sundays; 31 Jul 2021 a Saturday (-> Friday 30th).
    assert fire_days("0 0 9 31W * *", date(2021, 1, 20), count=5) == [
        date(2021, 3, 31), date(2021, 5, 31), date(2021, 7, 30), date(2021, 8, 31), date(2021, 12, 31)
    ]


def test_last_weekday_of_the_month():
    # 31 Jul 2021 a Saturday, 31 Oct 2021 a Sunday.
    assert fire_days("0 0 9 LW * *", date(2021, 7, 1), count=4) == [
        date(2021, 7, 30), date(2021, 8, 31), date(2021, 9, 30), date(2021, 10, 29)
    ]


@pytest.mark.parametrize("friday", ["5L", "FRIL", "fril"])
def test_last_given_weekday_of_the_month(friday):
    assert fire_days(f"0 0 9 ? * {friday}", date(2021, 3, 1)) == [
        date(2021, 3, 26), date(2021, 4, 30), date(2021, 5, 28)
    ]


@pytest.mark.parametrize("sunday", ["0L", "7L", "SUNL"])
def test_last_sunday_in_spring_numbering(sunday):
    assert fire_days(f"0 0 9 ? * {sunday}", date(2021, 3, 1)) == [
        date(2021, 3, 28), date(2021, 4, 25), date(2021, 5, 30)
    ]


@pytest.mark.parametrize("third_friday", ["FRI#3", "5#3"])
def test_nth_weekday_of_the_month(third_friday):
    assert fire_days(f"0 0 9 ? * {third_friday}", date(2021, 3, 1)) == [
        date(2021, 3, 19), date(2021, 4, 16), date(2021, 5, 21)
    ]


def test_day_and_weekday_must_both_match_as_in_spring():
    # Last days of 2021 that are Fridays: 30 April and 31 December.
    assert fire_days("0 0 0 L * FRI", date(2021, 1, 1), count=2, at=(0, 0)) == [date(2021, 4, 30), date(2021, 12, 31)]


def test_a_list_may_mix_plain_days_and_l():
    assert fire_days("0 0 9 1,L * *", date(2021, 1, 10)) == [date(2021, 1, 31), date(2021, 2, 1), date(2021, 2, 28)]


START = datetime(2021, 3, 10, 10, 20, 30, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("@hourly", [datetime(2021, 3, 10, 11), datetime(2021, 3, 10, 12)]),
        ("@daily", [datetime(2021, 3, 11), datetime(2021, 3, 12)]),
        ("@midnight", [datetime(2021, 3, 11), datetime(2021, 3, 12)]),
        ("@weekly", [datetime(2021, 3, 14), datetime(2021, 3, 21)]),
        ("@monthly", [datetime(2021, 4, 1), datetime(2021, 5, 1)]),
        ("@yearly", [datetime(2022, 1, 1), datetime(2023, 1, 1)]),
        ("@annually", [datetime(2022, 1, 1), datetime(2023, 1, 1)]),
        (" @DAILY ", [datetime(2021, 3, 11), datetime(2021, 3, 12)]),
    ],
)
def test_macros(macro, expected):
    trigger = SpringCronTrigger(macro, timezone=UTC)
    first = trigger.get_next_fire_time(None, START)
    second = trigger.get_next_fire_time(first, first)
    assert [first.replace(tzinfo=None), second.replace(tzinfo=None)] == expected


def test_a_missed_fire_time_after_the_previous_one_is_still_found():
    # APScheduler asks with the previous fire time and a later now: a misfire in between must be returned.
    trigger = SpringCronTrigger("0 30 23 L * *", timezone=UTC)
    previous = datetime(2021, 1, 31, 23, 30, tzinfo=UTC)
    assert trigger.get_next_fire_time(previous, datetime(2021, 3, 1, tzinfo=UTC)) == datetime(
        2021, 2, 28, 23, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("long_cron", ["0 30 23 L * *", "0 30 23 ? * MON#1"])
def test_the_service_starts_with_such_a_retry_schedule(long_cron):
    env = {name: "http://x.local" for name in ("OAUTH_ENDPOINT_URL", "PRISON_ENDPOINT_URL", "COMMUNITY_ENDPOINT_URL",
                                              "OFFENDER_SEARCH_ENDPOINT_URL")}
    env.update(OAUTH_CLIENT_ID="id", OAUTH_CLIENT_SECRET="secret", DYNAMODB_TABLENAME="m",
               DYNAMODB_SCHEDULE_TABLENAME="s", RETRY_SCHEDULES_LONG_CRON=long_cron)
    settings = load_settings(env)
    assert settings.long_retry_cron == long_cron

    class Idle:
        def process_due(self, *, deadline=None): ...
        def retry(self, tier, *, deadline=None): ...

    crons = {RetryTier.SHORT: settings.short_retry_cron, RetryTier.MEDIUM: settings.medium_retry_cron,
             RetryTier.LONG: settings.long_retry_cron}
    scheduler = SynchronisationScheduler(Idle(), lock=None, clock=None,  # type: ignore[arg-type]
                                         settings=ScheduleSettings(True, settings.message_processor_delay, crons))
    scheduler.start()
    try:
        job = scheduler.apscheduler.get_job(RETRY_JOBS[RetryTier.LONG])
        when = job.next_run_time
        assert (when.hour, when.minute) == (23, 30)
        day = when.date()
        if "L" in long_cron.split()[3]:
            following = date.fromordinal(day.toordinal() + 1)
            assert following.day == 1  # the last day of its month
        else:
            assert day.weekday() == 0 and day.day <= 7  # the first Monday of its month
    finally:
        scheduler.shutdown(wait=True)
