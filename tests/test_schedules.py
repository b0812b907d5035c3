"""Schedule expressions: rate(), cron() and at() fire when EventBridge would, and bad ones say why."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from emulator.triggers.schedules import InvalidScheduleExpression, Schedule, parse_schedule

UTC = timezone.utc


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def firings(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Every firing in (start, end], by asking next_after over and over, as the scheduler does."""
    times = []
    moment = schedule.next_after(start)
    while moment is not None and moment <= end:
        times.append(moment)
        following = schedule.next_after(moment)
        assert following is None or following > moment, f"next_after({moment}) did not move on"
        moment = following
    return times


def first(expression: str, after: datetime) -> datetime | None:
    return parse_schedule(expression).next_after(after)


# -- rate() -------------------------------------------------------------------------------------------


def test_rate_1_minute_fires_1440_times_in_a_day_counting_from_creation():
    created = utc(2024, 5, 1, 9, 0)
    schedule = parse_schedule("rate(1 minute)", created_at=created)
    times = firings(schedule, created, created + timedelta(days=1))
    assert len(times) == 1440
    assert times[0] == utc(2024, 5, 1, 9, 1)
    assert times[-1] == created + timedelta(days=1)


def test_rate_5_minutes_counts_from_the_creation_time_not_from_the_clock_hour():
    created = utc(2024, 5, 1, 9, 2, 30)
    schedule = parse_schedule("rate(5 minutes)", created_at=created)
    times = firings(schedule, created, created + timedelta(days=1))
    assert len(times) == 288
    assert times[:2] == [utc(2024, 5, 1, 9, 7, 30), utc(2024, 5, 1, 9, 12, 30)]


@pytest.mark.parametrize("expression, count", [("rate(1 hour)", 24 * 7), ("rate(6 hours)", 28),
                                               ("rate(1 day)", 7), ("rate(2 days)", 3)])
def test_rate_counts_over_a_week(expression, count):
    created = utc(2024, 5, 1, 9, 0)
    schedule = parse_schedule(expression, created_at=created)
    assert len(firings(schedule, created, created + timedelta(weeks=1))) == count


def test_rate_asked_from_any_moment_gives_the_next_period_boundary():
    schedule = parse_schedule("rate(10 minutes)", created_at=utc(2024, 5, 1, 9, 0))
    assert schedule.next_after(utc(2024, 5, 1, 9, 25)) == utc(2024, 5, 1, 9, 30)
    assert schedule.next_after(utc(2024, 5, 1, 9, 30)) == utc(2024, 5, 1, 9, 40)
    assert schedule.next_after(utc(2024, 5, 1, 8, 0)) == utc(2024, 5, 1, 9, 10)  # before creation


def test_rate_without_created_at_explains_what_is_missing():
    schedule = parse_schedule("rate(5 minutes)")
    assert str(schedule) == "every 5 minutes"
    with pytest.raises(ValueError, match="created_at"):
        schedule.next_after(utc(2024, 5, 1))


# -- cron(): counts over days and weeks ---------------------------------------------------------------


def test_cron_every_15_minutes_fires_96_times_a_day():
    times = firings(parse_schedule("cron(0/15 * * * ? *)"), utc(2024, 5, 1), utc(2024, 5, 2))
    assert len(times) == 96
    assert {t.minute for t in times} == {0, 15, 30, 45}


def test_cron_weekdays_at_0830_fires_five_times_a_week():
    times = firings(parse_schedule("cron(30 8 ? * MON-FRI *)"), utc(2024, 5, 5), utc(2024, 5, 12))
    assert times == [utc(2024, 5, day, 8, 30) for day in (6, 7, 8, 9, 10)]
    assert [t.strftime("%A") for t in times] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def test_cron_next_after_is_strictly_after():
    schedule = parse_schedule("cron(30 8 ? * MON-FRI *)")
    assert schedule.next_after(utc(2024, 5, 6, 8, 30)) == utc(2024, 5, 7, 8, 30)
    assert schedule.next_after(utc(2024, 5, 6, 8, 29, 59)) == utc(2024, 5, 6, 8, 30)


def test_cron_every_minute_over_a_week():
    times = firings(parse_schedule("cron(* * * * ? *)"), utc(2024, 5, 1), utc(2024, 5, 8))
    assert len(times) == 7 * 1440


def test_naive_moments_are_utc_and_answers_are_aware_utc():
    answer = parse_schedule("cron(0 12 * * ? *)").next_after(datetime(2024, 5, 1, 11, 0))
    assert answer == utc(2024, 5, 1, 12, 0)
    assert answer.tzinfo == UTC


# -- cron(): L, W and # -------------------------------------------------------------------------------


@pytest.mark.parametrize("year, last", [(2024, 29), (2023, 28), (2000, 29), (2100, 28)])
def test_L_is_the_last_day_of_february_in_leap_and_other_years(year, last):
    assert first("cron(0 12 L * ? *)", utc(year, 2, 1)) == utc(year, 2, last, 12, 0)


def test_L_in_day_of_month_fires_on_each_month_end():
    times = firings(parse_schedule("cron(0 12 L * ? *)"), utc(2023, 12, 31, 13), utc(2024, 12, 31, 23))
    assert [t.day for t in times] == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


@pytest.mark.parametrize("after, expected", [
    (utc(2024, 1, 1), utc(2024, 1, 15, 9)),    # the 15th is a Monday: that day
    (utc(2024, 6, 1), utc(2024, 6, 14, 9)),    # Saturday 15 June: Friday before
    (utc(2024, 9, 1), utc(2024, 9, 16, 9)),    # Sunday 15 September: Monday after
])
def test_15W_is_the_weekday_nearest_the_15th(after, expected):
    assert first("cron(0 9 15W * ? *)", after) == expected


@pytest.mark.parametrize("expression, after, expected", [
    ("cron(0 9 1W * ? *)", utc(2024, 5, 31), utc(2024, 6, 3, 9)),    # Saturday 1 June: Monday 3rd
    ("cron(0 9 1W * ? *)", utc(2024, 8, 31), utc(2024, 9, 2, 9)),    # Sunday 1 September: Monday 2nd
    ("cron(0 9 31W * ? *)", utc(2024, 3, 1), utc(2024, 3, 29, 9)),   # Sunday 31 March: Friday 29th
    ("cron(0 9 31W * ? *)", utc(2024, 8, 1), utc(2024, 8, 30, 9)),   # Saturday 31 August: Friday 30th
    ("cron(0 9 30W * ? *)", utc(2024, 2, 1), utc(2024, 3, 29, 9)),   # no 30 February; 30 March is a Saturday
])
def test_W_stays_inside_the_month(expression, after, expected):
    assert first(expression, after) == expected


def test_LW_is_the_last_weekday_of_the_month():
    times = firings(parse_schedule("cron(0 18 LW * ? *)"), utc(2024, 2, 1), utc(2024, 4, 1))
    assert times == [utc(2024, 2, 29, 18), utc(2024, 3, 29, 18)]  # 31 March 2024 is a Sunday


def test_6L_is_the_last_friday_of_the_month():
    times = firings(parse_schedule("cron(0 10 ? * 6L *)"), utc(2024, 1, 1), utc(2024, 4, 1))
    assert times == [utc(2024, 1, 26, 10), utc(2024, 2, 23, 10), utc(2024, 3, 29, 10)]
    assert all(t.strftime("%A") == "Friday" for t in times)


def test_2_hash_1_is_the_first_monday_and_a_missing_fifth_monday_is_skipped():
    times = firings(parse_schedule("cron(0 10 ? * 2#1 *)"), utc(2024, 1, 1), utc(2024, 4, 1))
    assert times == [utc(2024, 1, 1, 10), utc(2024, 2, 5, 10), utc(2024, 3, 4, 10)]
    fifth = firings(parse_schedule("cron(0 10 ? * MON#5 *)"), utc(2024, 1, 1), utc(2024, 5, 1))
    assert fifth == [utc(2024, 1, 29, 10), utc(2024, 4, 29, 10)]


def test_L_alone_in_day_of_week_is_saturday():
    times = firings(parse_schedule("cron(0 10 ? * L *)"), utc(2024, 5, 1), utc(2024, 5, 15))
    assert times == [utc(2024, 5, 4, 10), utc(2024, 5, 11, 10)]


def test_day_of_month_number_skips_months_without_that_day():
    times = firings(parse_schedule("cron(0 0 31 * ? *)"), utc(2024, 1, 1), utc(2024, 12, 31))
    assert [t.month for t in times] == [1, 3, 5, 7, 8, 10, 12]


# -- cron(): names, years, far-away dates -------------------------------------------------------------


@pytest.mark.parametrize("with_names, with_numbers", [
    ("cron(0 8 ? JAN-MAR MON,WED,FRI *)", "cron(0 8 ? 1-3 2,4,6 *)"),
    ("cron(0 8 ? * sun *)", "cron(0 8 ? * 1 *)"),
    ("cron(0 8 ? * SAT *)", "cron(0 8 ? * 7 *)"),
    ("cron(0 8 1 jul,Dec ? *)", "cron(0 8 1 7,12 ? *)"),
    ("cron(0 10 ? * FRIL *)", "cron(0 10 ? * 6L *)"),
    ("cron(0 10 ? * TUE#2 *)", "cron(0 10 ? * 3#2 *)"),
])
def test_names_and_numbers_agree(with_names, with_numbers):
    start, end = utc(2024, 1, 1), utc(2025, 1, 1)
    expected = firings(parse_schedule(with_numbers), start, end)
    assert expected
    assert firings(parse_schedule(with_names), start, end) == expected


def test_a_year_range_ends():
    schedule = parse_schedule("cron(0 0 1 1 ? 2025-2026)")
    assert firings(schedule, utc(2020, 1, 1), utc(2199, 12, 31)) == [utc(2025, 1, 1), utc(2026, 1, 1)]
    assert schedule.next_after(utc(2026, 1, 1)) is None


def test_a_past_year_never_fires_and_the_calendar_ends_in_2199():
    assert first("cron(* * * * ? 2020)", utc(2024, 1, 1)) is None
    assert first("cron(* * * * ? *)", utc(2199, 12, 31, 23, 58)) == utc(2199, 12, 31, 23, 59)
    assert first("cron(* * * * ? *)", utc(2199, 12, 31, 23, 59)) is None


def test_29_february_is_found_years_ahead_and_30_february_never():
    assert first("cron(0 0 29 2 ? *)", utc(2024, 3, 1)) == utc(2028, 2, 29)
    assert first("cron(0 0 29 FEB ? 2101-2103)", utc(2024, 1, 1)) is None
    assert first("cron(0 0 30 2 ? *)", utc(2024, 1, 1)) is None


def test_year_steps():
    schedule = parse_schedule("cron(0 0 1 1 ? 2024/4)")
    assert firings(schedule, utc(2023, 1, 1), utc(2040, 1, 1)) == [
        utc(year, 1, 1) for year in (2024, 2028, 2032, 2036, 2040)]


# -- property: next_after agrees with a minute-by-minute scan -----------------------------------------

PREDICATES = {  # each expression, written again by hand as a test on one minute
    "cron(0/15 * * * ? *)": lambda t: t.minute % 15 == 0,
    "cron(5,35 */2 * * ? *)": lambda t: t.minute in (5, 35) and t.hour % 2 == 0,
    "cron(0/5 8-17 ? * MON-FRI *)": lambda t: t.minute % 5 == 0 and 8 <= t.hour <= 17 and t.weekday() < 5,
    "cron(10-12 22 ? * SAT,SUN *)": lambda t: 10 <= t.minute <= 12 and t.hour == 22 and t.weekday() >= 5,
    "cron(0 12 L * ? *)": lambda t: (t.hour, t.minute) == (12, 0) and (t + timedelta(days=1)).day == 1,
    "cron(0 10 ? * 6L *)": lambda t: (t.hour, t.minute) == (10, 0) and t.weekday() == 4
    and (t + timedelta(days=7)).month != t.month,
    "cron(0 10 ? * 2#1 *)": lambda t: (t.hour, t.minute) == (10, 0) and t.weekday() == 0 and t.day <= 7,
    "cron(45 23 1-3,28 * ? *)": lambda t: (t.hour, t.minute) == (23, 45) and t.day in (1, 2, 3, 28),
}


@pytest.mark.parametrize("expression", sorted(PREDICATES))
def test_next_after_matches_a_brute_force_minute_scan(expression):
    start, end = utc(2024, 2, 20, 0, 0, 30), utc(2024, 3, 5)  # across a leap-year month end
    times = firings(parse_schedule(expression), start, end)
    assert times == sorted(set(times))  # strictly increasing
    minute = utc(2024, 2, 20, 0, 1)
    scanned = []
    while minute <= end:
        if PREDICATES[expression](minute):
            scanned.append(minute)
        minute += timedelta(minutes=1)
    assert scanned
    assert times == scanned


# -- at() ---------------------------------------------------------------------------------------------


def test_at_fires_once():
    schedule = parse_schedule("at(2024-05-01T08:30:00)")
    assert firings(schedule, utc(2024, 5, 1), utc(2024, 5, 8)) == [utc(2024, 5, 1, 8, 30)]
    assert schedule.next_after(utc(2024, 5, 1, 8, 30)) is None
    assert schedule.next_after(utc(2030, 1, 1)) is None


def test_at_keeps_its_seconds_and_ignores_created_at():
    schedule = parse_schedule("at(2024-05-01T08:30:15)", created_at=utc(2024, 5, 1))
    assert schedule.next_after(utc(2024, 5, 1, 8, 30)) == utc(2024, 5, 1, 8, 30, 15)


# -- the expression and its English ------------------------------------------------------------------


@pytest.mark.parametrize("expression, english", [
    ("rate(1 minute)", "every minute"),
    ("rate(5 minutes)", "every 5 minutes"),
    ("rate(1 day)", "every day"),
    ("cron(0/15 * * * ? *)", "every 15 minutes"),
    ("cron(* * * * ? *)", "every minute"),
    ("cron(30 8 ? * MON-FRI *)", "at 08:30 UTC, Monday to Friday"),
    ("cron(0 9,17 * * ? *)", "at 09:00 and 17:00 UTC"),
    ("cron(0/5 8-17 ? * MON-FRI *)", "every 5 minutes of hours 08 to 17 UTC, Monday to Friday"),
    ("cron(5 * * * ? *)", "at minute 5 of every hour"),
    ("cron(0 12 L * ? *)", "at 12:00 UTC, on the last day of the month"),
    ("cron(0 9 15W * ? *)", "at 09:00 UTC, on the weekday nearest day 15 of the month"),
    ("cron(0 18 LW * ? *)", "at 18:00 UTC, on the last weekday of the month"),
    ("cron(0 10 ? * 6L *)", "at 10:00 UTC, on the last Friday of the month"),
    ("cron(0 10 ? * 2#1 *)", "at 10:00 UTC, on the first Monday of the month"),
    ("cron(0 10 ? * SUN *)", "at 10:00 UTC, every Sunday"),
    ("cron(0 8 1 JAN,APR,JUL,OCT ? *)", "at 08:00 UTC, on day 1 of the month, every 3 months"),
    ("cron(0 8 1-15 JAN-MAR ? 2025)",
     "at 08:00 UTC, on days 1 to 15 of the month, in January to March, in 2025"),
    ("at(2024-05-01T08:30:00)", "once, at 2024-05-01 08:30:00 UTC"),
])
def test_describe_reads_the_schedule_in_english(expression, english):
    schedule = parse_schedule(expression)
    assert schedule.describe() == english
    assert str(schedule) == english
    assert schedule.expression == expression
    assert expression in repr(schedule)


# -- invalid expressions: every rule has its own message that quotes the expression ------------------

INVALID = [
    # not one of the three forms
    ("every 5 minutes", ["rate(value unit)", "cron(minutes hours day-of-month month day-of-week year)",
                         "at(yyyy-mm-ddThh:mm:ss)"]),
    ("", ["rate(value unit)", "cron(", "at("]),
    ("cron(0 12 * * ? *", ["rate(value unit)", "at(yyyy-mm-ddThh:mm:ss)"]),
    ("rate(5 seconds)", ['"seconds" is not a unit', "once a minute", "rate(value unit)", "at(yyyy"]),
    # rate()
    ("rate(1 minutes)", ["a value of 1 needs the singular unit: rate(1 minute)"]),
    ("rate(5 minute)", ["a value of 5 needs the plural unit: rate(5 minutes)"]),
    ("rate(0 minutes)", ['"0" is not a positive whole number']),
    ("rate(1.5 hours)", ['"1.5" is not a positive whole number']),
    ("rate(5)", ["a value and a unit"]),
    # cron(): the shape
    ("cron(0 12 * * *)", ["6 fields", "this has 5", "Unix", "cron(0 12 * * ? *)"]),
    ("cron(0 12 * * 1-5)", ["this has 5", "cron(0 12 ? * 1-5 *)", "1-7 from Sunday"]),
    ("cron(0 0 12 * * ? *)", ["this has 7", "no seconds field", "cron(0 12 * * ? *)"]),
    ("cron()", ["6 fields", "this has 0"]),
    # cron(): the two day fields
    ("cron(0 8 * * MON *)", ["cannot both be set", "cron(0 8 * * ? *)", "cron(0 8 ? * MON *)"]),
    ("cron(0 8 * * * *)", ["cannot both be set", "put ? in the one you do not use"]),
    ("cron(0 8 ? * ? *)", ["cannot both be ?", "cron(0 8 * * ? *)"]),
    ("cron(0 ? * * ? *)", ["? is only allowed in day-of-month or day-of-week", "not in hours"]),
    # cron(): values, names, ranges, steps
    ("cron(61 * * * ? *)", ["minutes value 61 is out of range", "0-59"]),
    ("cron(0 24 * * ? *)", ["hours value 24 is out of range", "0-23"]),
    ("cron(0 0 32 * ? *)", ["day-of-month value 32 is out of range", "1-31"]),
    ("cron(0 0 1 13 ? *)", ["month value 13 is out of range", "1-12 or JAN-DEC"]),
    ("cron(0 0 ? * 0 *)", ["day-of-week value 0 is out of range", "1-7 (1 = Sunday)"]),
    ("cron(0 0 1 1 ? 1969)", ["year value 1969 is out of range", "1970-2199"]),
    ("cron(0 8 ? * MOM *)", ['"MOM" is not a day-of-week name', "SUN, MON, TUE"]),
    ("cron(0 8 1 JULY ? *)", ['"JULY" is not a month name', "JAN, FEB"]),
    ("cron(0 MON * * ? *)", ['"MON" is not a number', "hours", "0-23"]),
    ("cron(0/0 * * * ? *)", ["a step of 0", "0/0", "1 or more"]),
    ("cron(0 10-5 * * ? *)", ["range 10-5 runs backwards", "low-high", "22-23,0-2"]),
    ("cron(0 0 1,,2 * ? *)", ["day-of-month has an empty value"]),
    ("cron(0/x * * * ? *)", ['step "x"', "not a whole number"]),
    ("cron(0 0 ? * 1/2 *)", ["/", "not allowed in day-of-week", "MON,WED,FRI"]),
    # cron(): L, W and # in the wrong place
    ("cron(0 L * * ? *)", ["L is only allowed in day-of-month or day-of-week", "not in hours"]),
    ("cron(0 0 5L * ? *)", ["in day-of-month, L must be the whole field"]),
    ("cron(0 0 L,15 * ? *)", ["in day-of-month, L must be the whole field"]),
    ("cron(0 0 ? * 3W *)", ["W is only allowed in day-of-month", "not in day-of-week"]),
    ("cron(0 0 15W,20 * ? *)", ["W expression", "whole day-of-month field"]),
    ("cron(0 0 3#2 * ? *)", ["# is only allowed in day-of-week", "not in day-of-month"]),
    ("cron(0 0 ? * 3#1,6#3 *)", ["# expression", "only one", "3#1,6#3"]),
    ("cron(0 0 ? * 3#6 *)", ['"6" is not a week of the month', "1-5"]),
    ("cron(0 0 ? * 8L *)", ["day-of-week value 8 is out of range"]),
    # at()
    ("at(2024-05-01)", ["yyyy-mm-ddThh:mm:ss"]),
    ("at(2024-02-30T00:00:00)", ["2024-02-30T00:00:00 is not a real date and time"]),
]


@pytest.mark.parametrize("expression, fragments", INVALID, ids=[case[0] or "empty" for case in INVALID])
def test_invalid_expressions_say_what_is_wrong(expression, fragments):
    with pytest.raises(InvalidScheduleExpression) as caught:
        parse_schedule(expression)
    message = str(caught.value)
    assert message.startswith(f'"{expression}": ')
    for fragment in fragments:
        assert fragment in message
    assert caught.value.expression == expression
    assert isinstance(caught.value, ValueError)
