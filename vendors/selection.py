"""Which vendors can take a piece of work now, best first, and why.

Pure: plain data in, plain data out. Order: vendors that are open now before those that are not, then
fewer active dispatches (current load), then the registry's escalation order, then the name. Business
hours are 09:00–18:00 on Japanese business days, the year-end closure 12/29–1/3 included (as most Japanese
firms), on the one calendar of workflows.calendar.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflows.calendar import TOKYO, is_business_day, roll_to_business_day
from workflows.text import N_, Text

BUSINESS_OPEN, BUSINESS_CLOSE = dt.time(9, 0), dt.time(18, 0)


@dataclass(frozen=True)
class VendorInfo:
    id: int
    name: str
    capabilities: tuple[str, ...]
    hours: str  # "24x7" | "business"
    escalation_rank: int
    load: int  # active dispatches (pending or accepted and not released)
    contacts: int = 1
    active: bool = True


@dataclass(frozen=True)
class Ranked:
    vendor: VendorInfo
    open_now: bool
    reasons: tuple[Text, ...]  # why it has its place; rendered (and joined) in the reader's language


def is_open(hours: str, now: dt.datetime) -> bool:
    if hours == "24x7":
        return True
    local = now.astimezone(TOKYO)
    in_hours = BUSINESS_OPEN <= local.time() < BUSINESS_CLOSE
    return in_hours and is_business_day(local.date(), year_end_closure=True)


def next_opening(hours: str, now: dt.datetime) -> dt.datetime:
    """The next instant a vendor with these hours is open (now if open)."""
    if is_open(hours, now):
        return now
    local = now.astimezone(TOKYO)
    day = local.date() if local.time() < BUSINESS_OPEN else local.date() + dt.timedelta(days=1)
    day = roll_to_business_day(day, year_end_closure=True)
    return dt.datetime.combine(day, BUSINESS_OPEN, tzinfo=TOKYO)


def rank(vendors: list[VendorInfo], capability: str, now: dt.datetime) -> list[Ranked]:
    """The active vendors that have `capability`, best first, each with the reason for its place."""
    out: list[Ranked] = []
    for v in vendors:
        if not v.active or capability not in v.capabilities:
            continue
        open_now = is_open(v.hours, now)
        reasons: list[Text] = []
        if v.hours == "24x7":
            reasons.append(Text(N_("available 24/7")))
        elif open_now:
            reasons.append(Text(N_("business hours, open now")))
        else:
            reasons.append(Text(N_("business hours, closed now; opens %(when)s JST"), when=next_opening(v.hours, now)))
        reasons.append(Text(N_("%(n)s active dispatches"), n=v.load))
        reasons.append(Text(N_("escalation order %(rank)s"), rank=v.escalation_rank))
        if v.contacts == 0:
            reasons.append(Text(N_("no on-call contact")))
        out.append(Ranked(v, open_now, tuple(reasons)))
    out.sort(key=lambda r: (r.vendor.contacts == 0, not r.open_now, r.vendor.load, r.vendor.escalation_rank,
                            r.vendor.name))
    return out
