"""The 30-day notice rule for ① emergency-response costs (DOMAIN C.3, decision I-5): the one place it is written.

Whether a product has the rule, and its window, is product data (`thirty_day_rule` in
hotline/products/data/*.yaml), given here as a ThirtyDayRule or None: a product without it (the Sompo
product) has no 30-day rule anywhere. Four places read it: the insurer-notice deadline (workflows.deadlines),
the coverage engine, the dispatch warnings (vendors.gates) and the cost form warnings (hotline.costs.service).

On the Tokyo calendar: D0 is the Tokyo date of first discovery; the window runs from D0 + window_first_day
to D0 + window_last_day inclusive, with no weekend or holiday roll-over (the hotline runs 24/7). The hotline
call (`reported_at`) is the notice. It is valid when made before the window ends (00:00 JST of the day after
its last day is the first late instant) AND before the first ① cost was ordered; an order at the very
instant of the notice is not after it. Otherwise only ① costs that arose inside the window are eligible.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflows.calendar import start_of_day, tokyo_date
from workflows.facts import CaseFacts
from workflows.text import N_, Text


@dataclass(frozen=True)
class Window:
    discovery_date: dt.date  # D0
    first: dt.date
    last: dt.date  # the last day to tell the insurer
    ends_at: dt.datetime  # the first instant after the window: the insurer-notice deadline's due_at

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def in_time(self, notice_at: dt.datetime) -> bool:
        return notice_at < self.ends_at


@dataclass(frozen=True)
class ThirtyDayRule:
    """A product's rule as its data file states it; the product catalogue validates the file with it."""
    window_first_day: int
    window_last_day: int
    decision: str  # the product decision it is computed under (I-5)

    def __post_init__(self):
        if not (0 <= self.window_first_day <= self.window_last_day and self.window_last_day >= 1):
            raise ValueError("the window needs 0 <= window_first_day <= window_last_day and window_last_day >= 1")

    def window(self, first_discovered_at: dt.datetime) -> Window:
        d0 = tokyo_date(first_discovered_at)
        last = d0 + dt.timedelta(days=self.window_last_day)
        return Window(d0, d0 + dt.timedelta(days=self.window_first_day), last,
                      start_of_day(last + dt.timedelta(days=1)))


def ordered_before_notice(notice_at: dt.datetime, *, ordered_at: dt.datetime | None = None,
                          arose_on: dt.date | None = None) -> bool | None:
    """Whether a ① cost was ordered before the notice (which breaks the rule for the whole case). Without an
    order time the Tokyo date it arose stands in: None when that is the notice's own date (cannot be told)."""
    if ordered_at is not None:
        return ordered_at <= notice_at
    if arose_on is None:
        return False
    notice_day = tokyo_date(notice_at)
    return None if arose_on == notice_day else arose_on < notice_day


@dataclass(frozen=True)
class ThirtyDay:
    """The rule applied to one case and its ① lines, as the coverage page and API explain it. `explanation`
    says why in plain words; `decision` is the product decision it is computed under (a note for staff)."""
    window: Window
    notice_at: dt.datetime
    notice_in_time: bool
    status: str  # valid | broken | undecided
    explanation: Text
    decision: str


def assess(rule: ThirtyDayRule, case: CaseFacts, emergency_lines: list) -> ThirtyDay:
    """Valid, broken (late notice, or a ① order before it) or undecided (a ① line on the notice date with no
    order time), with the reason in words. `emergency_lines`: the case's ① lines (id, arose_on, ordered_at)."""
    w, notice_at, dec = rule.window(case.first_discovered_at), case.reported_at, rule.decision
    before = undecided = None
    for line in emergency_lines:
        earlier = ordered_before_notice(notice_at, ordered_at=line.ordered_at, arose_on=line.arose_on)
        if earlier:
            before = before or line
        elif earlier is None:
            undecided = undecided or line
    first, last = w.first.isoformat(), w.last.isoformat()

    def result(in_time: bool, status: str, explanation: Text) -> ThirtyDay:
        return ThirtyDay(w, notice_at, in_time, status, explanation, dec)

    if not w.in_time(notice_at):
        return result(False, "broken", Text(N_("the insurer was told on %(notice)s JST, after the last day %(last)s "
                                               "of the 30-day window"), notice=notice_at, last=last))
    if before is not None:
        if before.ordered_at:
            why = Text(N_("a ① cost (line %(line)s) was ordered %(ordered)s JST, before the notice of %(notice)s "
                          "JST"), line=before.id, ordered=before.ordered_at, notice=notice_at)
        else:
            why = Text(N_("a ① cost (line %(line)s) was ordered on %(day)s, before the notice of %(notice)s JST"),
                       line=before.id, day=before.arose_on.isoformat(), notice=notice_at)
        return result(True, "broken", why)
    if undecided is not None:
        return result(True, "undecided",
                      Text(N_("a ① cost (line %(line)s) arose on the notice date %(day)s without an order time: "
                              "record when it was ordered to decide the 30-day rule"),
                           line=undecided.id, day=tokyo_date(notice_at).isoformat()))
    return result(True, "valid", Text(N_("notice on %(notice)s JST, inside the window %(first)s to %(last)s and "
                                         "before any ① order"), notice=notice_at, first=first, last=last))
