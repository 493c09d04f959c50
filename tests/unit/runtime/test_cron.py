from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ptpu_runtime.cron import CronSyntaxError, SpringCronTrigger, parse_spring_cron

UTC = ZoneInfo("UTC")


def fire_times(expression: str, start: datetime, count: int = 3) -> list[datetime]:
    trigger = SpringCronTrigger(expression, timezone=UTC)
    times, previous, now = [], None, start
    for _ in range(count):
        nxt = trigger.get_next_fire_time(previous, now)
        times.append(nxt.replace(tzinfo=None))
        previous, now = nxt, nxt
    return times


START = datetime(2021, 3, 10, 10, 20, 30, tzinfo=UTC)  # a Wednesday


def test_short_default_fires_on_the_hour():
    assert fire_times("0 0 * * * *", START) == [
        datetime(2021, 3, 10, 11), datetime(2021, 3, 10, 12), datetime(2021, 3, 10, 13)
    ]


def test_medium_default_fires_every_four_hours_at_quarter_past():
    assert fire_times("0 15 */4 * * *", START) == [
        datetime(2021, 3, 10, 12, 15), datetime(2021, 3, 10, 16, 15), datetime(2021, 3, 10, 20, 15)
    ]


def test_long_default_fires_nightly_at_half_past_eleven():
    assert fire_times("0 30 23 * * *", START) == [
        datetime(2021, 3, 10, 23, 30), datetime(2021, 3, 11, 23, 30), datetime(2021, 3, 12, 23, 30)
    ]


@pytest.mark.parametrize("sunday", ["0", "7", "SUN", "sun"])
def test_spring_sunday_is_sunday(sunday):
    times = fire_times(f"0 0 9 * * {sunday}", START, count=2)
    assert times == [datetime(2021, 3, 14, 9), datetime(2021, 3, 21, 9)]
    assert all(t.weekday() == 6 for t in times)


def test_weekday_ranges_use_spring_numbering():
    # Spring 1-5 is Monday..Friday; APScheduler's own numbering would make it Tuesday..Saturday.
    times = fire_times("0 0 9 ? * 1-5", datetime(2021, 3, 12, 10, tzinfo=UTC), count=2)  # from Friday 10:00
    assert times == [datetime(2021, 3, 15, 9), datetime(2021, 3, 16, 9)]


@pytest.mark.parametrize("every", ["*", "?"])
def test_stepped_every_weekday_counts_from_monday_as_spring_does(every):
    # Spring's weekday `*` is 1..7, so `*/2` is MON,WED,FRI,SUN (not SUN,TUE,THU,SAT).
    times = fire_times(f"0 0 9 ? * {every}/2", START, count=4)  # from Wednesday 10:20
    assert [t.strftime("%a") for t in times] == ["Fri", "Sun", "Mon", "Wed"]


def test_every_weekday_is_all_seven_days():
    times = fire_times("0 0 9 * * *", START, count=7)
    assert sorted(t.weekday() for t in times) == list(range(7))


def test_named_weekday_lists_and_months():
    times = fire_times("0 0 0 1 JAN,JUL MON-FRI", datetime(2021, 1, 1, 1, tzinfo=UTC), count=2)
    # Day 1 AND a weekday (Spring ANDs the two): 1 Jul 2021 is a Thursday; 1 Jan 2022 a Saturday; 1 Jul 2022 a Friday.
    assert times == [datetime(2021, 7, 1), datetime(2022, 7, 1)]


def test_stepped_start_value_means_from_then_every():
    assert fire_times("10/20 * * * * *", datetime(2021, 1, 1, tzinfo=UTC), count=3) == [
        datetime(2021, 1, 1, 0, 0, 10), datetime(2021, 1, 1, 0, 0, 30), datetime(2021, 1, 1, 0, 0, 50)
    ]


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("* * * * *", "needs 6"),
        ("0 0 24 * * *", "hour field: 24 is outside 0-23"),
        ("0 0 0 0 * *", "day field: 0 is outside 1-31"),
        ("0 0 0 * 13 *", "month field: 13 is outside 1-12"),
        ("0 0 0 * * 8", "weekday field: 8 is outside 0-7"),
        ("0 */0 * * * *", "step must be a positive number"),
        ("? 0 0 * * *", "'?' is only allowed"),
        ("0 0 0 * * FRI-MON", "range start is after its end"),
        ("0 0 0 LX * *", "not a number"),
        ("0 0 0 L-31 * *", "L-n needs n from 1 to 30"),
        ("0 0 0 L-0 * *", "L-n needs n from 1 to 30"),
        ("0 0 0 32W * *", "nW needs a day from 1 to 31"),
        ("0 0 0 ? * MON#6", "d#n needs n from 1 to 5"),
        ("0 0 0 ? * L", "name the day"),
        ("0 0 0 ? * FUNDAY#1", "weekday field"),
        ("@fortnightly", "needs 6"),
    ],
)
def test_bad_expressions_say_which_field(expression, complaint):
    with pytest.raises(CronSyntaxError) as raised:
        SpringCronTrigger(expression)
    assert complaint in str(raised.value)


@pytest.mark.parametrize(("start", "first"), [
    (datetime(2021, 3, 10, 10, 20, 30), datetime(2021, 3, 10, 10, 20, 30)),
    (datetime(2021, 3, 10, 10, 20, 30, 500_000), datetime(2021, 3, 10, 10, 20, 31)),
    (datetime(2021, 3, 10, 23, 59, 59, 1), datetime(2021, 3, 11)),
])
def test_the_first_match_is_never_before_its_start(start: datetime, first: datetime) -> None:
    assert parse_spring_cron("* * * * * *").first_at_or_after(start) == first
