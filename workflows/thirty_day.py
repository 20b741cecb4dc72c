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

from workflows.calendar import TOKYO, start_of_day, tokyo_date
from workflows.facts import CaseFacts


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
    """The rule applied to one case and its ① lines, as the coverage page and API explain it."""
    window: Window
    notice_at: dt.datetime
    notice_in_time: bool
    status: str  # valid | broken | undecided
    explanation: str
    explanation_ja: str
    decision: str


def _jst(instant: dt.datetime) -> str:
    return instant.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")


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
    notice, first, last = _jst(notice_at), w.first.isoformat(), w.last.isoformat()

    def result(in_time: bool, status: str, en: str, ja: str) -> ThirtyDay:
        return ThirtyDay(w, notice_at, in_time, status, en, ja, dec)

    if not w.in_time(notice_at):
        return result(False, "broken",
                      f"the insurer was told on {notice} JST, after the last day {last} of the "
                      f"30-day window (decision {dec})",
                      f"保険会社への連絡は{notice}（日本時間）で、30日の期間の最終日{last}より後です（判断{dec}）")
    if before is not None:
        stamp = _jst(before.ordered_at) + " JST" if before.ordered_at else None
        return result(True, "broken",
                      f"a ① cost (line {before.id}) was ordered {stamp or f'on {before.arose_on.isoformat()}'}, "
                      f"before the notice of {notice} JST (decision {dec})",
                      f"①の費用（明細{before.id}）が{stamp or before.arose_on.isoformat()}に発注されており、"
                      f"{notice}（日本時間）の連絡より前です（判断{dec}）")
    if undecided is not None:
        day = tokyo_date(notice_at).isoformat()
        return result(True, "undecided",
                      f"a ① cost (line {undecided.id}) arose on the notice date {day} without an order time: "
                      f"record when it was ordered to decide the 30-day rule (decision {dec})",
                      f"①の費用（明細{undecided.id}）が連絡日{day}に発生していますが発注時刻がありません。"
                      f"30日ルールを判定するため発注時刻を記録してください（判断{dec}）")
    return result(True, "valid",
                  f"notice on {notice} JST, inside the window {first} to {last} and before any ① order "
                  f"(decision {dec})",
                  f"{notice}（日本時間）の連絡は期間{first}〜{last}内で、①の発注より前です（判断{dec}）")
