"""The Japanese calendar: the Tokyo zone, Tokyo dates, national holidays, business days.

The one place for both: every module that needs Asia/Tokyo or a business day imports it from here (the
clocks, the coverage engine, vendor opening hours, how instants are shown). Calendar rules are computed
on the Asia/Tokyo date of an instant, never on its UTC date (08:30 JST on 10 April is 23:30 UTC on
9 April). Holidays come from the `holidays` package (holidays.Japan).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from workflows.text import N_, Text

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo_date(instant: dt.datetime) -> dt.date:
    """The calendar date in Tokyo of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant needs an offset")
    return instant.astimezone(TOKYO).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """00:00 JST of a date, as an aware instant."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=TOKYO)


@lru_cache(maxsize=64)
def _japan(year: int) -> holidays.HolidayBase:
    return holidays.Japan(years=year)


def holiday_name(day: dt.date) -> str | None:
    return _japan(day.year).get(day)


def is_year_end_closure(day: dt.date) -> bool:
    """12/29 to 1/3: offices (and the PPC) are closed (DOMAIN G.1, decision I-10)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: dt.date, *, year_end_closure: bool = False) -> bool:
    """Monday to Friday, not a national holiday, and (when asked) not in the 12/29–1/3 closure."""
    if day.weekday() >= 5 or holiday_name(day) is not None:
        return False
    return not (year_end_closure and is_year_end_closure(day))


def roll_to_business_day(day: dt.date, *, year_end_closure: bool = False) -> dt.date:
    """The day itself if it is a business day, else the next one."""
    while not is_business_day(day, year_end_closure=year_end_closure):
        day += dt.timedelta(days=1)
    return day


def add_business_days(day: dt.date, n: int, *, year_end_closure: bool = False) -> dt.date:
    """The n-th business day after `day` (the day itself is not counted)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if is_business_day(day, year_end_closure=year_end_closure):
            count += 1
    return day


def why_not_business_day(day: dt.date, *, year_end_closure: bool = False) -> Text | None:
    """In words, why a date is not a business day (for the rule text); None if it is one."""
    if day.weekday() == 5:
        return Text(N_("Saturday"))
    if day.weekday() == 6:
        return Text(N_("Sunday"))
    name = holiday_name(day)
    if name:
        return Text(N_("holiday (%(name)s)"), name=name)
    if year_end_closure and is_year_end_closure(day):
        return Text(N_("year-end closure (12/29–1/3)"))
    return None
