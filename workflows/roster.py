"""The duty roster as plain data: who is on duty at an instant, in their order, and the windows with nobody.

A slot is a window of Tokyo wall-clock times on some weekdays (0 Monday … 6 Sunday). A window whose end is not
after its start runs past midnight into the next day (22:00–06:00 on Friday covers Friday night until Saturday
06:00); equal start and end is the whole day. The weekday is the one the window starts on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflows.calendar import TOKYO


@dataclass(frozen=True)
class Slot:
    user_id: int
    weekdays: frozenset[int]
    starts: dt.time
    ends: dt.time
    position: int = 0


def _windows(slot: Slot, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The slot's window starting on this JST day, if it has one."""
    if day.weekday() not in slot.weekdays:
        return None
    start = dt.datetime.combine(day, slot.starts, tzinfo=TOKYO)
    end = dt.datetime.combine(day, slot.ends, tzinfo=TOKYO)
    if end <= start:
        end += dt.timedelta(days=1)
    return start, end


def covers(slot: Slot, at: dt.datetime) -> bool:
    day = at.astimezone(TOKYO).date()
    for start_day in (day - dt.timedelta(days=1), day):  # a window from yesterday may run past midnight
        window = _windows(slot, start_day)
        if window and window[0] <= at < window[1]:
            return True
    return False


def on_duty(slots: list[Slot], at: dt.datetime) -> list[int]:
    """The users on duty at `at`, in roster order (position, then the order given); each once."""
    seen: list[int] = []
    for slot in sorted(slots, key=lambda s: s.position):
        if covers(slot, at) and slot.user_id not in seen:
            seen.append(slot.user_id)
    return seen


def gaps(slots: list[Slot], start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches of [start, end) when nobody is on duty, merged, in order."""
    covered: list[tuple[dt.datetime, dt.datetime]] = []
    day = start.astimezone(TOKYO).date() - dt.timedelta(days=1)
    while dt.datetime.combine(day, dt.time(0), tzinfo=TOKYO) < end:
        for slot in slots:
            window = _windows(slot, day)
            if window and window[1] > start and window[0] < end:
                covered.append((max(window[0], start), min(window[1], end)))
        day += dt.timedelta(days=1)
    out: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = start
    for a, b in sorted(covered):
        if a > cursor:
            out.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < end:
        out.append((cursor, end))
    return out
