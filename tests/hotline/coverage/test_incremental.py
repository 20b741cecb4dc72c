"""engine.update (a changed ledger, re-allocating only what a change can reach) always equals engine.compute on
the whole new ledger, line by line with reasons; and hand-computed changes that cross a limit's boundary."""
from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.coverage.engine import CostItem, compute, update
from tests.hotline.coverage.test_engine import Ledger, case, en
from tests.hotline.coverage.test_properties import CASE, LINE, TM, make_case, make_line

D = dt.date


def view(r):
    """Everything a result says, lines with their reasons and decisions."""
    return ({k: (v.case_id, v.category, v.claimed_jpy, v.payable_jpy, v.status, v.reasons, v.decisions)
             for k, v in r.lines.items()},
            r.claimed_jpy, r.payable_jpy, r.categories, r.limits, r.decisions,
            {cid: (c.claimed_jpy, c.payable_jpy, c.categories, c.limits, c.thirty_day, c.response_period,
                   c.pending_lines, [(x.id, x.payable_jpy, x.status, x.reasons, x.decisions) for x in c.lines])
             for cid, c in r.cases.items()})


# A change: add a line (any date: before, among or after the others), edit one (any field but its case),
# remove one, or record a consent on one.
CHANGE = st.one_of(st.tuples(st.just("add"), LINE),
                   st.tuples(st.just("edit"), st.integers(0, 10**6), LINE),
                   st.tuples(st.just("remove"), st.integers(0, 10**6)),
                   st.tuples(st.just("consent"), st.integers(0, 10**6)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from("ABC"), st.lists(CASE, min_size=1, max_size=3), st.lists(LINE, max_size=25),
       st.lists(st.lists(CHANGE, min_size=1, max_size=3), min_size=1, max_size=6))
def test_update_equals_computing_the_whole_ledger(plan, raw_cases, raw_lines, batches):
    cases = [make_case(i, raw) for i, raw in enumerate(raw_cases, start=1)]
    ledger = {i: make_line(i, cases, raw) for i, raw in enumerate(raw_lines, start=1)}
    result = compute(TM, plan, cases, list(ledger.values()))
    next_id = len(ledger) + 1
    for batch in batches:  # several changes at once, as a reader finds them after other requests
        added, removed = {}, set()
        for change in batch:
            ids = sorted(ledger)
            if change[0] == "add":
                added[next_id] = ledger[next_id] = make_line(next_id, cases, change[1])
                next_id += 1
            elif not ids:
                continue
            elif change[0] == "edit":
                old = ledger[ids[change[1] % len(ids)]]
                new = make_line(old.id, cases, change[2])
                added[old.id] = ledger[old.id] = dataclasses.replace(new, case_id=old.case_id)
            elif change[0] == "remove":
                gone = ids[change[1] % len(ids)]
                del ledger[gone]
                added.pop(gone, None)
                removed.add(gone)
            else:
                old = ledger[ids[change[1] % len(ids)]]
                added[old.id] = ledger[old.id] = dataclasses.replace(old, consent_ref="TM-2026-7")
        before = view(result)
        updated = update(result, added=added.values(), removed=removed)
        assert view(result) == before  # the earlier result is left as it was (other requests may hold it)
        assert view(updated) == view(compute(TM, plan, cases, list(ledger.values())))
        result = updated


# --- hand-computed: changes that cross a limit's boundary (plan A: shared ②③④ ¥5M, overall ¥10M) ----------
def lines_of(r):
    return {k: (v.payable_jpy, v.status) for k, v in r.lines.items()}


def test_back_dated_line_pushes_a_later_line_over_the_shared_limit_and_removal_gives_it_back():
    ledger = Ledger()
    first = ledger.add("attack_response", 3_000_000, D(2026, 4, 12))
    second = ledger.add("investigation", 2_000_000, D(2026, 4, 13))
    r = compute(TM, "A", [case()], ledger.items)
    assert lines_of(r) == {first: (3_000_000, "payable"), second: (2_000_000, "payable")}  # exactly ¥5M: no cut

    early = CostItem(3, 1, "attack_response", 1, D(2026, 4, 11))  # one yen, dated before both
    r = update(r, added=[early])
    assert lines_of(r) == {3: (1, "payable"), first: (3_000_000, "payable"), second: (1_999_999, "reduced")}
    assert en(r.lines[second]) == ["¥1 over the shared ②③④ limit of ¥5,000,000 for plan A (per incident)"]
    assert r.payable_jpy == 5_000_000

    r = update(r, removed=[3])
    assert lines_of(r) == {first: (3_000_000, "payable"), second: (2_000_000, "payable")}
    assert en(r.lines[second]) == []


def test_edit_moves_the_cut_to_the_line_after_it():
    ledger = Ledger()
    a = ledger.add("attack_response", 4_000_000, D(2026, 4, 12))
    b = ledger.add("investigation", 1_500_000, D(2026, 4, 13))
    c = ledger.add("other.staff", 6_000_000, D(2026, 4, 14))  # ⑥: only the overall ¥10M limit
    r = compute(TM, "A", [case()], ledger.items)
    # b: 5,000,000 − 4,000,000 = 1,000,000 (¥500,000 over G1); c: 10,000,000 − 5,000,000 = 5,000,000
    assert lines_of(r) == {a: (4_000_000, "payable"), b: (1_000_000, "reduced"), c: (5_000_000, "reduced")}

    edited = dataclasses.replace(ledger.items[a - 1], amount_jpy=3_000_000)
    r = update(r, added=[edited])
    # a 3,000,000; b 1,500,000 in full (4,500,000 of ¥5M); c 10,000,000 − 4,500,000 = 5,500,000
    assert lines_of(r) == {a: (3_000_000, "payable"), b: (1_500_000, "payable"), c: (5_500_000, "reduced")}
    assert en(r.lines[c]) == ["¥500,000 over the overall cost limit of ¥10,000,000 for plan A (per incident)"]


def test_a_change_in_one_case_moves_the_period_limit_for_another():
    cases = [case(1), case(2)]
    ledger = Ledger()
    one = ledger.add("other.staff", 6_000_000, D(2026, 4, 12), case=1)
    two = ledger.add("other.staff", 6_000_000, D(2026, 4, 13), case=2)
    r = compute(TM, "A", cases, ledger.items)
    assert lines_of(r) == {one: (6_000_000, "payable"), two: (4_000_000, "reduced")}  # overall ¥10M a period
    r = update(r, added=[dataclasses.replace(ledger.items[0], amount_jpy=10_000_000)])
    assert lines_of(r) == {one: (10_000_000, "payable"), two: (0, "reduced")}
    assert en(r.lines[two]) == ["¥6,000,000 over the overall cost limit of ¥10,000,000 for plan A (per policy "
                                "period, summed over every case of the policy)"]
    r = update(r, removed=[one])
    assert lines_of(r) == {two: (6_000_000, "payable")}
    assert r.cases[1].payable_jpy == 0 and r.cases[1].categories == {}


def test_recording_a_consent_makes_the_line_payable_and_takes_the_room_of_a_later_one():
    ledger = Ledger()
    advice = ledger.add("advisory", 2_000_000, D(2026, 4, 12), consent=None)
    later = ledger.add("investigation", 4_000_000, D(2026, 4, 13))
    r = compute(TM, "A", [case()], ledger.items)
    assert lines_of(r) == {advice: (0, "pending_consent"), later: (4_000_000, "payable")}
    r = update(r, added=[dataclasses.replace(ledger.items[0], consent_ref="TM-2026-7")])
    assert lines_of(r) == {advice: (2_000_000, "payable"), later: (3_000_000, "reduced")}  # G1 ¥5M


def test_a_first_order_before_the_notice_breaks_the_thirty_day_rule_for_the_other_emergency_lines():
    false_alarm = case(attack="no", discovered=dt.datetime(2026, 4, 10, 23, 30, tzinfo=dt.UTC),
                       reported=dt.datetime(2026, 4, 12, 3, 0, tzinfo=dt.UTC))
    ledger = Ledger()
    inside = ledger.add("emergency_response", 1_000_000, D(2026, 4, 20),
                        ordered_at=dt.datetime(2026, 4, 20, 1, 0, tzinfo=dt.UTC))
    outside = ledger.add("emergency_response", 1_000_000, D(2026, 6, 1),
                         ordered_at=dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC))
    r = compute(TM, "A", [false_alarm], ledger.items)
    assert lines_of(r) == {inside: (900_000, "reduced"), outside: (900_000, "reduced")}  # 90 %
    early = CostItem(3, 1, "emergency_response", 100_000, D(2026, 4, 11),
                     ordered_at=dt.datetime(2026, 4, 11, 1, 0, tzinfo=dt.UTC))  # before the notice
    r = update(r, added=[early])
    # Broken: only ① costs that arose in the window (D0 + 1 = 4/12 … D0 + 30 = 5/11 JST) remain eligible.
    assert r.cases[1].thirty_day.status == "broken"
    assert lines_of(r) == {3: (0, "not_covered"), inside: (900_000, "reduced"), outside: (0, "not_covered")}
    assert view(r) == view(compute(TM, "A", [false_alarm], ledger.items + [early]))
