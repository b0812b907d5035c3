"""Schedule expressions: when does an EventBridge rule fire?

A scheduled rule (or an EventBridge Scheduler schedule) carries one *schedule expression*, in one of
three forms:

``rate(value unit)``
    Every ``value`` minutes, hours or days, counted from the moment the rule was created:
    ``rate(1 minute)``, ``rate(5 minutes)``, ``rate(1 day)``.
``cron(minutes hours day-of-month month day-of-week year)``
    At the calendar times the six fields allow, in UTC: ``cron(30 8 ? * MON-FRI *)`` is 08:30 UTC
    on working days. This is *not* Unix cron: there is a sixth field (the year), days of the week are
    numbered 1-7 from Sunday, and exactly one of the two day fields must be ``?``.
``at(yyyy-mm-ddThh:mm:ss)``
    Once, at that UTC date and time (EventBridge Scheduler's one-time schedules).

:func:`parse_schedule` checks an expression against AWS's rules and returns a :class:`Schedule`
whose :meth:`Schedule.next_after` answers the one question a scheduler asks: *after this moment,
when do I fire next?* The local cloud asks it on its virtual clock; nothing here reads the time.

How to read a cron expression, the way :class:`CronSchedule` does: each field becomes the set of
values it allows (``0/15`` in minutes is ``{0, 15, 30, 45}``), except the two day fields, which
together become one *day rule* that lists the matching days of a given month (``L`` is the last
day, ``15W`` the weekday nearest the 15th, ``6L`` the last Friday, ``2#1`` the first Monday). The
next firing is then found by walking the calendar from the largest unit down: the first allowed
year, then month, then day of that month, then hour and minute, never minute by minute.

Where this differs from AWS:
- AWS fires "within the minute" (EventBridge Scheduler promises 60-second precision, rules may run
  a little late); here a schedule fires exactly at the computed instant.
- A rate schedule here fires exactly one period after ``created_at``, then every period; AWS starts
  counting "when you create the rule" but does not promise the second.
- Everything is UTC: EventBridge Scheduler's time zones, StartDate and EndDate are not modelled.
- AWS documents the wildcards but not every corner of them; here, as in Quartz (the Java scheduler
  whose syntax AWS cron follows), names and ``L``/``W`` are case-insensitive, ``LW`` is the last
  weekday of the month, and ``L``, ``LW``, ``nW``, ``nL`` and ``n#k`` must each stand alone in their
  field; a range must run upwards (``22-2`` is refused: write ``22-23,0-2``).

Why this module is longer than 600 lines: it is one grammar (three forms, six cron fields, the day
rules and their plain-English reading) whose parts refer to one another; split, a reader would
have to hold several files to follow one expression.
"""

from __future__ import annotations

import calendar
import re
from abc import ABC, abstractmethod
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterator

from ..timestamps import as_utc

__all__ = ["AtSchedule", "CronSchedule", "InvalidScheduleExpression", "RateSchedule", "Schedule",
           "ValidationException", "parse_schedule"]

ACCEPTED_FORMS = ("rate(value unit) such as rate(5 minutes), "
                  "cron(minutes hours day-of-month month day-of-week year) such as cron(0 12 * * ? *), "
                  "or at(yyyy-mm-ddThh:mm:ss) such as at(2030-01-31T08:00:00)")


class ValidationException(ValueError):
    """What EventBridge and EventBridge Scheduler answer to a value they refuse (HTTP 400, ValidationException)."""


class InvalidScheduleExpression(ValidationException):
    """A schedule expression AWS would refuse; the message quotes it, names the rule and the fix.

    ``expression`` is the text that was refused (None when the error was re-raised with context).
    """

    def __init__(self, message: str, expression: str | None = None) -> None:
        super().__init__(message)
        self.expression = expression


class _Rejected(Exception):
    """Raised inside the parser with the reason only; parse_schedule adds the quoted expression."""


# -- the three kinds of schedule --------------------------------------------------------------------


class Schedule(ABC):
    """When a rule fires. Made by :func:`parse_schedule`; ``str(schedule)`` reads it in English."""

    expression: str

    @abstractmethod
    def next_after(self, moment: datetime) -> datetime | None:
        """The first firing time strictly after ``moment`` (UTC), or None if it never fires again.

        A naive ``moment`` is taken to be UTC; the answer is always a timezone-aware UTC datetime.
        """

    @abstractmethod
    def describe(self) -> str:
        """The schedule in plain English, e.g. ``"at 08:30 UTC, Monday to Friday"``."""

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.expression}: {self.describe()}>"


@dataclass(frozen=True, repr=False)
class RateSchedule(Schedule):
    """``rate(value unit)``: every ``period``, counted from ``created_at`` (the rule's creation)."""

    expression: str
    value: int
    unit: str
    period: timedelta
    created_at: datetime | None

    def next_after(self, moment: datetime) -> datetime | None:
        if self.created_at is None:
            raise ValueError(f"{self.expression} counts from when its rule was created: "
                             f"parse it with parse_schedule({self.expression!r}, created_at=...)")
        # AWS: "A rate expression starts when you create the scheduled event rule" (firings at
        # created_at + k * period, k = 1, 2, ...).
        periods_before = (as_utc(moment) - self.created_at) // self.period
        return self.created_at + max(periods_before + 1, 1) * self.period

    def describe(self) -> str:
        return f"every {self.unit}" if self.value == 1 else f"every {self.value} {self.unit}"


@dataclass(frozen=True, repr=False)
class AtSchedule(Schedule):
    """``at(yyyy-mm-ddThh:mm:ss)``: a one-time schedule that fires once, at ``moment`` (UTC)."""

    expression: str
    moment: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        return self.moment if as_utc(moment) < self.moment else None

    def describe(self) -> str:
        return f"once, at {self.moment:%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True, repr=False)
class CronSchedule(Schedule):
    """``cron(...)``: the allowed minutes, hours, months and years, and one rule for the days."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: _DayRule
    months: tuple[int, ...]
    years: tuple[int, ...]

    def next_after(self, moment: datetime) -> datetime | None:
        # Cron times are UTC and a minute is the finest field: the first candidate is the next
        # whole minute strictly after ``moment``.
        start = as_utc(moment).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for day in self._days_from(start.date()):
            earliest = start.time() if day == start.date() else time(0, 0)
            at = self._first_time(earliest)
            if at is not None:
                return datetime.combine(day, at, tzinfo=timezone.utc)
        return None  # the year field has run out (or the days never occur, like 30 February)

    def _days_from(self, first: date) -> Iterator[date]:
        """Every allowed date from ``first`` on: allowed years, then months, then the day rule."""
        for year in _from(self.years, first.year):
            for month in _from(self.months, first.month if year == first.year else 1):
                for day in self.days.days_in(year, month):
                    if date(year, month, day) >= first:
                        yield date(year, month, day)

    def _first_time(self, earliest: time) -> time | None:
        """The first allowed hour:minute of a day at or after ``earliest``."""
        for hour in _from(self.hours, earliest.hour):
            minutes = _from(self.minutes, earliest.minute if hour == earliest.hour else 0)
            if minutes:
                return time(hour, minutes[0])
        return None

    def describe(self) -> str:
        parts = [_describe_time(self.minutes, self.hours), self.days.describe(),
                 _describe_in(self.months, MONTH), _describe_in(self.years, YEAR)]
        return ", ".join(part for part in parts if part)


def _from(values: tuple[int, ...], floor: int) -> tuple[int, ...]:
    """The sorted ``values`` that are at least ``floor`` (a binary search, not a scan)."""
    return values[bisect_left(values, floor):]


# -- parse_schedule ---------------------------------------------------------------------------------

_FORM = re.compile(r"(rate|cron|at)\(([^()]*)\)")


def parse_schedule(expression: str, created_at: datetime | None = None) -> Schedule:
    """Check ``expression`` as EventBridge does and return its :class:`Schedule`.

    ``created_at`` is when the rule was created: a ``rate()`` schedule counts its periods from it
    (cron and at schedules ignore it). Raises :class:`InvalidScheduleExpression` on anything AWS
    would refuse, with a message that quotes the expression and says how to fix it.
    """
    match = _FORM.fullmatch(expression.strip()) if isinstance(expression, str) else None
    if match is None:
        raise InvalidScheduleExpression(
            f'"{expression}": this is not a schedule expression: write {ACCEPTED_FORMS}', str(expression))
    kind, body = match.groups()
    try:
        if kind == "rate":
            return _parse_rate(expression, body, created_at)
        if kind == "cron":
            return _parse_cron(expression, body)
        return _parse_at(expression, body)
    except _Rejected as rejected:
        raise InvalidScheduleExpression(f'"{expression}": {rejected}', expression) from None


# -- rate() -----------------------------------------------------------------------------------------

_RATE_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def _parse_rate(expression: str, body: str, created_at: datetime | None) -> RateSchedule:
    words = body.split()
    if len(words) != 2:
        raise _Rejected("rate() takes a value and a unit separated by a space, e.g. rate(5 minutes)")
    value_text, unit = words
    # AWS: the value is "a positive number" (a whole one: rate(1.5 hours) is refused).
    if not re.fullmatch(r"[0-9]+", value_text) or int(value_text) == 0:
        raise _Rejected(f'the value "{value_text}" is not a positive whole number: '
                        f"write e.g. rate(5 {unit}) or, for less than a unit, a smaller unit")
    value = int(value_text)
    singular = unit.removesuffix("s")
    # AWS: valid units are minute | minutes | hour | hours | day | days; no schedule runs more
    # often than once a minute.
    if singular not in _RATE_UNITS:
        raise _Rejected(f'"{unit}" is not a unit of rate() (nothing runs more often than once a '
                        f"minute): use minute, minutes, hour, hours, day or days; "
                        f"the accepted forms are {ACCEPTED_FORMS}")
    # AWS: "If the value is equal to 1, then the unit must be singular. If the value is greater
    # than 1, the unit must be plural."
    expected = singular if value == 1 else singular + "s"
    if unit != expected:
        number = "singular" if value == 1 else "plural"
        raise _Rejected(f"a value of {value} needs the {number} unit: rate({value} {expected})")
    return RateSchedule(expression, value, unit, value * _RATE_UNITS[singular],
                        None if created_at is None else as_utc(created_at))


# -- at() -------------------------------------------------------------------------------------------


def _parse_at(expression: str, body: str) -> AtSchedule:
    text = body.strip()
    # EventBridge Scheduler: one-time schedules are at(yyyy-mm-ddThh:mm:ss), here always in UTC.
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}", text):
        raise _Rejected("at() takes a date and time as yyyy-mm-ddThh:mm:ss, e.g. at(2030-01-31T08:00:00)")
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        raise _Rejected(f"{text} is not a real date and time: check that the month is 01-12, that "
                        f"the day exists in that month, hours are 00-23, minutes and seconds 00-59") from None
    return AtSchedule(expression, moment)


# -- cron(): the fields -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """One cron field as the AWS table defines it: its range, names and whether it takes steps."""

    name: str
    low: int
    high: int
    unit: str
    accepts: str
    names: tuple[str, ...] = ()  # names[i] is the value low + i
    steps: bool = True


MINUTES = _Field("minutes", 0, 59, "minute", "0-59")
HOURS = _Field("hours", 0, 23, "hour", "0-23")
DAY_OF_MONTH = _Field("day-of-month", 1, 31, "day", "1-31")
MONTH = _Field("month", 1, 12, "month", "1-12 or JAN-DEC",
               ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))
# AWS: the day-of-week field takes no / (its wildcards are , - * ? L #), and 1 is Sunday.
DAY_OF_WEEK = _Field("day-of-week", 1, 7, "day", "1-7 (1 = Sunday) or SUN-SAT",
                     ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), steps=False)
YEAR = _Field("year", 1970, 2199, "year", "1970-2199")

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_ORDINALS = ("first", "second", "third", "fourth", "fifth")


def _parse_cron(expression: str, body: str) -> CronSchedule:
    fields = body.split()
    # AWS: "Cron expressions have six required fields, which are separated by white space."
    if len(fields) != 6:
        raise _Rejected(_field_count_problem(fields))
    minutes, hours, day_of_month, month, day_of_week, year = fields
    _check_day_fields(fields)
    days = _day_of_week_rule(day_of_week) if day_of_month == "?" else _day_of_month_rule(day_of_month)
    return CronSchedule(expression, _values(minutes, MINUTES), _values(hours, HOURS), days,
                        _values(month, MONTH), _values(year, YEAR))


def _field_count_problem(fields: list[str]) -> str:
    problem = (f"AWS cron has 6 fields (minutes hours day-of-month month day-of-week year) "
               f"and this has {len(fields)}")
    if len(fields) == 5:
        example = (f"cron({' '.join(fields[:4])} ? *)" if fields[4] == "*"
                   else f"cron({' '.join(fields[:2])} ? {fields[3]} {fields[4]} *)")
        return (f"{problem}: a 5-field Unix crontab line has no year, and AWS also wants ? in one "
                f"of the day fields (and numbers days of the week 1-7 from Sunday): write {example}")
    if len(fields) == 7:
        return f"{problem}: AWS cron has no seconds field: drop the first one: cron({' '.join(fields[1:])})"
    return f"{problem}: write all six, e.g. cron(0 12 * * ? *) for every day at 12:00 UTC"


def _check_day_fields(fields: list[str]) -> None:
    """AWS: exactly one of day-of-month and day-of-week is ``?`` ("you can't specify both")."""
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if day_of_month == "?" and day_of_week == "?":
        raise _Rejected(f"day-of-month and day-of-week cannot both be ?: give one of them a value, "
                        f"e.g. cron({minutes} {hours} * {month} ? {year}) for every day")
    if day_of_month != "?" and day_of_week != "?":
        raise _Rejected(f"day-of-month ({day_of_month}) and day-of-week ({day_of_week}) cannot both "
                        f"be set: put ? in the one you do not use: "
                        f"cron({minutes} {hours} {day_of_month} {month} ? {year}) or "
                        f"cron({minutes} {hours} ? {month} {day_of_week} {year})")


def _values(text: str, field: _Field) -> tuple[int, ...]:
    """The sorted values a field allows: the union of its comma-separated terms."""
    # AWS: "The , (comma) wildcard includes additional values."
    return tuple(sorted(set().union(*(_term_values(term, field) for term in text.split(",")))))


def _term_values(term: str, field: _Field) -> range:
    """One term: ``*``, ``5``, ``1-5``, or any of those with a step: ``*/10``, ``0/15``, ``1-30/2``."""
    base, slash, step_text = term.partition("/")
    step = _step(step_text, term, field) if slash else 1
    if base == "*":  # AWS: "The * (asterisk) wildcard includes all values in the field."
        low, high = field.low, field.high
    elif "-" in base:  # AWS: "The - (dash) wildcard specifies ranges."
        first, _, last = base.partition("-")
        low, high = _value(first, field), _value(last, field)
        if low > high:
            raise _Rejected(f"the {field.name} range {base} runs backwards: write it low-high; "
                            f"split a range that wraps around, e.g. 22-2 into 22-23,0-2")
    else:  # AWS: "1/10" in minutes is "every tenth minute, starting from the first minute" (to the end)
        low = _value(base, field)
        high = field.high if slash else low
    return range(low, high + 1, step)


def _step(text: str, term: str, field: _Field) -> int:
    # AWS: the / (slash) wildcard specifies increments, in every field but day-of-week.
    if not field.steps:
        raise _Rejected(f"/ (a step, in {term}) is not allowed in {field.name}: "
                        f"list the days instead, e.g. MON,WED,FRI")
    if not re.fullmatch(r"[0-9]+", text):
        raise _Rejected(f'the step "{text}" in {field.name} term {term} is not a whole number: '
                        f"write e.g. 0/5")
    if int(text) == 0:
        raise _Rejected(f"a step of 0 (in {field.name} term {term}) never moves on: "
                        f"use a step of 1 or more, e.g. 0/5 for every fifth {field.unit}")
    return int(text)


def _value(token: str, field: _Field) -> int:
    """A single number or name of a field, checked against the field's range."""
    if token.upper() in field.names:  # AWS: month JAN-DEC and day-of-week SUN-SAT
        return field.low + field.names.index(token.upper())
    if not re.fullmatch(r"[0-9]+", token):
        raise _Rejected(_not_a_value(token, field))
    if not field.low <= int(token) <= field.high:
        raise _Rejected(f"{field.name} value {int(token)} is out of range: "
                        f"the {field.name} field takes {field.accepts}")
    return int(token)


def _not_a_value(token: str, field: _Field) -> str:
    """Why ``token`` is not a value of ``field``: a wildcard in the wrong place, or a typo."""
    day_field = field in (DAY_OF_MONTH, DAY_OF_WEEK)
    # AWS: ? only in the day fields, where it stands for "any" and is the whole field.
    if "?" in token:
        return (f"? must be the whole {field.name} field, meaning any day" if day_field else
                f"? is only allowed in day-of-month or day-of-week, not in {field.name}: "
                f"use * for every {field.unit}")
    # AWS: # only in day-of-week, and only one such expression in it ("3#1,6#3" is invalid).
    if "#" in token:
        return ("a # expression (like 3#2, the second Tuesday) must be the whole day-of-week field: "
                "AWS takes only one, so 3#1,6#3 is refused" if field is DAY_OF_WEEK else
                f"# is only allowed in day-of-week (3#2 is the second Tuesday), not in {field.name}")
    # AWS: W only in day-of-month.
    if re.fullmatch(r"[0-9]*W|LW", token.upper()):
        return ("a W expression (15W, the weekday nearest the 15th, or LW) must be the whole "
                "day-of-month field" if field is DAY_OF_MONTH else
                f"W is only allowed in day-of-month (15W is the weekday nearest the 15th), "
                f"not in {field.name}")
    # AWS: L only in day-of-month (last day of the month) and day-of-week (last day of the week).
    if re.fullmatch(r"[0-9]*L", token.upper()):
        if field is DAY_OF_MONTH:
            return "in day-of-month, L must be the whole field: L (the last day) or LW (the last weekday)"
        if field is DAY_OF_WEEK:
            return "in day-of-week, L must be the whole field: L (Saturday) or 6L (the last Friday)"
        return f"L is only allowed in day-of-month or day-of-week, not in {field.name}"
    if not token:
        return f"{field.name} has an empty value: remove the extra comma or dash, or write {field.accepts}"
    if field.names:
        return (f'"{token}" is not a {field.name} name or number: the {field.name} field takes '
                f"{field.accepts} ({', '.join(field.names)})")
    return f'"{token}" is not a number: the {field.name} field takes {field.accepts}'


# -- cron(): the day rule ---------------------------------------------------------------------------


def _month_length(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _aws_weekday(day: date) -> int:
    """AWS numbers the days of the week 1-7 from Sunday (Python's weekday() is 0-6 from Monday)."""
    return (day.weekday() + 1) % 7 + 1


class _DayRule(ABC):
    """Which days of a month a cron expression allows: its day-of-month and day-of-week together."""

    @abstractmethod
    def days_in(self, year: int, month: int) -> list[int]:
        """The allowed days of that month, in increasing order."""

    @abstractmethod
    def describe(self) -> str:
        """The rule in English, or "" when every day is allowed."""


@dataclass(frozen=True)
class _MonthDays(_DayRule):
    """Day-of-month numbers (``*``, ``15``, ``1-15``, ``1/2``) with ``?`` in day-of-week."""

    days: tuple[int, ...]

    def days_in(self, year: int, month: int) -> list[int]:
        return [day for day in self.days if day <= _month_length(year, month)]

    def describe(self) -> str:
        words = _spread(self.days, DAY_OF_MONTH, str)
        if words is None:
            return ""
        if words.startswith("every"):
            return f"{words} of the month"
        return f"on day{'s' if len(self.days) > 1 else ''} {words} of the month"


@dataclass(frozen=True)
class _LastDay(_DayRule):
    """``L`` in day-of-month: the last day of the month (28, 29, 30 or 31)."""

    def days_in(self, year: int, month: int) -> list[int]:
        return [_month_length(year, month)]

    def describe(self) -> str:
        return "on the last day of the month"


@dataclass(frozen=True)
class _NearestWeekday(_DayRule):
    """``15W``: the weekday (Monday-Friday) nearest the 15th, never leaving the month.

    A Saturday moves back to Friday and a Sunday forward to Monday, except at the month's edges:
    1W on a Saturday is Monday the 3rd, and a last day that is a Sunday moves back to Friday. A
    month without that day (31W in April) has no firing, as with a plain 31.
    """

    day: int

    def days_in(self, year: int, month: int) -> list[int]:
        length = _month_length(year, month)
        if self.day > length:
            return []
        weekday = _aws_weekday(date(year, month, self.day))
        if weekday == 7:  # Saturday
            return [self.day - 1 if self.day > 1 else self.day + 2]
        if weekday == 1:  # Sunday
            return [self.day + 1 if self.day < length else self.day - 2]
        return [self.day]

    def describe(self) -> str:
        return f"on the weekday nearest day {self.day} of the month"


@dataclass(frozen=True)
class _LastWeekday(_DayRule):
    """``LW``: the last weekday (Monday-Friday) of the month."""

    def days_in(self, year: int, month: int) -> list[int]:
        last = _month_length(year, month)
        weekday = _aws_weekday(date(year, month, last))
        return [last - {7: 1, 1: 2}.get(weekday, 0)]

    def describe(self) -> str:
        return "on the last weekday of the month"


@dataclass(frozen=True)
class _WeekDays(_DayRule):
    """Days of the week (``MON-FRI``, ``1,7``, ``*``, or ``L`` = Saturday) with ``?`` in day-of-month."""

    weekdays: tuple[int, ...]

    def days_in(self, year: int, month: int) -> list[int]:
        return [day for day in range(1, _month_length(year, month) + 1)
                if _aws_weekday(date(year, month, day)) in self.weekdays]

    def describe(self) -> str:
        if len(self.weekdays) == 1:
            return f"every {_DAY_NAMES[self.weekdays[0] - 1]}"
        return _spread(self.weekdays, DAY_OF_WEEK, lambda day: _DAY_NAMES[day - 1]) or ""


@dataclass(frozen=True)
class _LastWeekdayOf(_DayRule):
    """``6L``: the last given day of the week in the month (6L is the last Friday)."""

    weekday: int

    def days_in(self, year: int, month: int) -> list[int]:
        last = _month_length(year, month)
        return [last - (_aws_weekday(date(year, month, last)) - self.weekday) % 7]

    def describe(self) -> str:
        return f"on the last {_DAY_NAMES[self.weekday - 1]} of the month"


@dataclass(frozen=True)
class _NthWeekday(_DayRule):
    """``3#2``: the nth given day of the week in the month (3#2 is the second Tuesday).

    A month without a fifth one (``2#5`` in most months) has no firing.
    """

    weekday: int
    nth: int

    def days_in(self, year: int, month: int) -> list[int]:
        first = 1 + (self.weekday - _aws_weekday(date(year, month, 1))) % 7
        day = first + 7 * (self.nth - 1)
        return [day] if day <= _month_length(year, month) else []

    def describe(self) -> str:
        return f"on the {_ORDINALS[self.nth - 1]} {_DAY_NAMES[self.weekday - 1]} of the month"


def _day_of_month_rule(text: str) -> _DayRule:
    # AWS: "The L wildcard in the Day-of-month ... field specifies the last day of the month."
    if text.upper() == "L":
        return _LastDay()
    # Quartz's LW, the last weekday of the month (AWS's table lists L and W but not LW itself).
    if text.upper() == "LW":
        return _LastWeekday()
    # AWS: "3W specifies the weekday closest to the third day of the month."
    nearest = re.fullmatch(r"([0-9]+)W", text, re.IGNORECASE)
    if nearest:
        return _NearestWeekday(_value(nearest[1], DAY_OF_MONTH))
    return _MonthDays(_values(text, DAY_OF_MONTH))


def _day_of_week_rule(text: str) -> _DayRule:
    # AWS: L in day-of-week is "the last day of the week": Saturday.
    if text.upper() == "L":
        return _WeekDays((7,))
    # AWS (example 6L): nL is the last such day of the week in the month.
    last = re.fullmatch(r"([0-9]+|[A-Z]{3})L", text, re.IGNORECASE)
    if last:
        return _LastWeekdayOf(_value(last[1], DAY_OF_WEEK))
    # AWS: "3#2 indicates the second Tuesday of the month".
    nth = re.fullmatch(r"([0-9]+|[A-Z]{3})#([^,#]*)", text, re.IGNORECASE)
    if nth:
        if nth[2] not in ("1", "2", "3", "4", "5"):
            raise _Rejected(f'in {text}, "{nth[2]}" is not a week of the month: '
                            f"the number after # is 1-5 (3#2 is the second Tuesday)")
        return _NthWeekday(_value(nth[1], DAY_OF_WEEK), int(nth[2]))
    return _WeekDays(_values(text, DAY_OF_WEEK))


# -- cron(): plain English --------------------------------------------------------------------------


def _spread(values: tuple[int, ...], field: _Field, name: Callable[[int], str]) -> str | None:
    """Sorted values in words: None for all of them, "every 15 minutes", "1 to 5", "0, 15 and 45"."""
    if values == tuple(range(field.low, field.high + 1)):
        return None
    step = values[1] - values[0] if len(values) >= 3 else 0
    if step > 1 and values == tuple(range(values[0], values[-1] + 1, step)):
        words = f"every {step} {field.unit}s"
        words += f" from {name(values[0])}" if values[0] != field.low else ""
        return words + (f" to {name(values[-1])}" if values[-1] + step <= field.high else "")
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    pieces = [f"{name(run[0])} to {name(run[-1])}" if len(run) >= 3 else ", ".join(map(name, run))
              for run in runs]
    text = ", ".join(pieces)
    head, comma, tail = text.rpartition(", ")
    return f"{head} and {tail}" if comma else text


def _describe_time(minutes: tuple[int, ...], hours: tuple[int, ...]) -> str:
    """The time-of-day part: "every 15 minutes", "at 08:30 UTC", "at minute 5 of hours 08 to 17 UTC"."""
    if len(minutes) == 1 and len(hours) <= 4:
        times = [f"{hour:02d}:{minutes[0]:02d}" for hour in hours]
        return f"at {', '.join(times[:-1])} and {times[-1]} UTC" if len(times) > 1 else f"at {times[0]} UTC"
    minute_words = _spread(minutes, MINUTES, str)
    if minute_words is None:
        minute_words = "every minute"
    elif not minute_words.startswith("every"):
        minute_words = f"at minute{'s' if len(minutes) > 1 else ''} {minute_words}"
    hour_words = _spread(hours, HOURS, lambda hour: f"{hour:02d}")
    if hour_words is None:
        return minute_words if minute_words.startswith("every") else f"{minute_words} of every hour"
    if not hour_words.startswith("every"):
        hour_words = f"hour{'s' if len(hours) > 1 else ''} {hour_words}"
    return f"{minute_words} of {hour_words} UTC"


def _describe_in(values: tuple[int, ...], field: _Field) -> str:
    """The month or year part: "" for all, "in January to March", "every 2 years from 2026"."""
    name = (lambda month: _MONTH_NAMES[month - 1]) if field is MONTH else str
    words = _spread(values, field, name)
    if words is None:
        return ""
    return words if words.startswith("every") else f"in {words}"
