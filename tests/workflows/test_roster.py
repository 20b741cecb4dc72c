"""The duty roster: who is on duty at an instant (JST windows, past midnight, order) and the windows with nobody."""
from __future__ import annotations

import datetime as dt

from tests.support import jst
from workflows.roster import Slot, covers, gaps, on_duty

ALL = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
T = dt.time


def test_a_day_window_covers_its_start_and_not_its_end():
    day = Slot(1, WEEKDAYS, T(9), T(18))
    # 2026-11-27 is a Friday, 2026-11-28 a Saturday.
    assert covers(day, jst(2026, 11, 27, 9, 0))
    assert covers(day, jst(2026, 11, 27, 17, 59))
    assert not covers(day, jst(2026, 11, 27, 18, 0))
    assert not covers(day, jst(2026, 11, 27, 8, 59))
    assert not covers(day, jst(2026, 11, 28, 10, 0))  # Saturday
    # 09:00 JST is 00:00 UTC: the JST day decides, whatever the instant's own zone.
    assert covers(day, dt.datetime(2026, 11, 27, 0, 0, tzinfo=dt.UTC))


def test_a_night_window_runs_past_midnight_from_the_day_it_starts():
    night = Slot(2, frozenset({4}), T(22), T(6))  # Friday 22:00 to Saturday 06:00
    assert covers(night, jst(2026, 11, 27, 22, 0))
    assert covers(night, jst(2026, 11, 28, 5, 59))  # Saturday morning, from Friday's window
    assert not covers(night, jst(2026, 11, 28, 6, 0))
    assert not covers(night, jst(2026, 11, 28, 22, 30))  # Saturday night: not a Friday
    assert not covers(night, jst(2026, 11, 27, 5, 0))  # Friday morning comes from Thursday's window


def test_equal_start_and_end_is_the_whole_day():
    assert covers(Slot(1, frozenset({5}), T(0), T(0)), jst(2026, 11, 28, 23, 59))
    assert not covers(Slot(1, frozenset({5}), T(0), T(0)), jst(2026, 11, 29, 0, 0))


def test_on_duty_in_roster_order_each_once():
    slots = [Slot(3, ALL, T(0), T(0), position=2), Slot(1, ALL, T(9), T(18), position=0),
             Slot(2, ALL, T(9), T(18), position=1), Slot(1, ALL, T(0), T(0), position=5)]
    assert on_duty(slots, jst(2026, 11, 27, 10, 0)) == [1, 2, 3]
    assert on_duty(slots, jst(2026, 11, 27, 20, 0)) == [3, 1]
    assert on_duty([], jst(2026, 11, 27, 20, 0)) == []


def test_gaps_between_windows_are_merged_and_clipped():
    slots = [Slot(1, WEEKDAYS, T(9), T(18)), Slot(2, WEEKDAYS, T(17), T(22)), Slot(3, frozenset({4}), T(22), T(2))]
    start, end = jst(2026, 11, 27, 0, 0), jst(2026, 11, 28, 12, 0)  # Friday 00:00 to Saturday 12:00
    assert gaps(slots, start, end) == [(jst(2026, 11, 27, 0, 0), jst(2026, 11, 27, 9, 0)),
                                       (jst(2026, 11, 28, 2, 0), jst(2026, 11, 28, 12, 0))]
    assert gaps([Slot(1, ALL, T(0), T(0))], start, end) == []
    assert gaps([], start, end) == [(start, end)]
