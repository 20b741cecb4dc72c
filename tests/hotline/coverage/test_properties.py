"""Property-based tests of the coverage engine over random ledgers (pure engine, no database)."""
from __future__ import annotations

import datetime as dt
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.coverage.engine import CostItem, compute
from hotline.products.catalogue import get_product
from tests.support import jst
from workflows.facts import CaseFacts

TM = get_product("tm-juas-2026")
CODES = [c.code for c in TM.categories]
D0 = dt.date(2026, 4, 10)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


CASE = st.tuples(st.integers(0, 60), st.integers(0, 24 * 40),
                 st.sampled_from(["internal", "public_body", "security_provider", "customer"]),
                 st.sampled_from(["yes", "no", "unknown"]), st.booleans())
LINE = st.tuples(st.integers(0, 2), st.sampled_from(CODES),
                 st.one_of(st.integers(0, 3_000), st.integers(0, 40_000_000),
                           st.sampled_from([1_000_000, 5_000_000, 10_000_000])),
                 st.integers(-3, 420), st.one_of(st.none(), st.integers(0, 20_000)), st.booleans(),
                 st.integers(1, 60 * 24 * 400))
TOKYO = dt.timezone(dt.timedelta(hours=9))


def make_case(cid, raw):
    days, hours, source, attack, published = raw
    discovered = jst(2026, 4, 10, 23, 30) + dt.timedelta(days=days)
    return CaseFacts(id=cid, first_discovered_at=discovered, reported_at=discovered + dt.timedelta(hours=hours),
                     discovery_source=source, attack_confirmed=attack,
                     publication_made_at=discovered if published else None)


def make_line(line_id, cases, raw):
    case_index, category, amount, day, victims, consent, order_minutes = raw
    case = cases[case_index % len(cases)]
    arose, ordered_at = D0 + dt.timedelta(days=day), None
    if category == "emergency_response":
        # Ordered after the notice: I-5 lets a line ordered BEFORE the notice change other lines (whole case).
        ordered_at = case.reported_at + dt.timedelta(minutes=order_minutes)
        arose = max(arose, ordered_at.astimezone(TOKYO).date())
    return CostItem(id=line_id, case_id=case.id, category=category, amount_jpy=amount, arose_on=arose,
                    victims=victims, consent_ref="C-1" if consent else None, ordered_at=ordered_at)


@st.composite
def world(draw):
    cases = [make_case(i, raw) for i, raw in enumerate(draw(st.lists(CASE, min_size=1, max_size=3)), start=1)]
    lines = [make_line(i, cases, raw) for i, raw in enumerate(draw(st.lists(LINE, max_size=20)), start=1)]
    return draw(st.sampled_from("ABC")), cases, lines


@SETTINGS
@given(world())
def test_payable_never_exceeds_claimed_and_every_cut_has_a_reason(w):
    plan, cases, lines = w
    r = compute(TM, plan, cases, lines)
    for line in r.lines.values():
        assert 0 <= line.payable_jpy <= line.claimed_jpy
        if line.payable_jpy < line.claimed_jpy:
            assert line.reasons
        if line.status in ("pending_consent", "pending_determination", "not_covered"):
            assert line.payable_jpy == 0
    assert r.payable_jpy == sum(x.payable_jpy for x in r.lines.values())


@SETTINGS
@given(world())
def test_payable_never_exceeds_any_limit(w):
    plan, cases, lines = w
    r = compute(TM, plan, cases, lines)
    p = TM.plans[plan]
    paid = {}
    for x in lines:
        paid.setdefault((x.case_id, x.category), 0)
        paid[(x.case_id, x.category)] += r.lines[x.id].payable_jpy

    def total(pred, case=None):
        return sum(v for (cid, code), v in paid.items() if pred(TM.category(code)) and (case in (None, cid)))

    for case in [None] + [c.id for c in cases]:
        for cat in TM.categories:
            if cat.own_limit_jpy is not None:
                assert total(lambda c, code=cat.code: c.code == code, case) <= cat.own_limit_jpy
        assert total(lambda c: c.group == "G1", case) <= p.groups["G1"]
        assert total(lambda c: c.section == "costs", case) <= p.cost_overall_jpy
        assert total(lambda c: c.code == "liability.damages", case) <= p.liability_per_claim_jpy
    assert total(lambda c: c.section == "liability") <= p.liability_per_period_jpy
    assert r.payable_jpy <= p.liability_per_period_jpy
    for row in r.limits + [x for c in r.cases.values() for x in c.limits]:
        assert 0 <= row["used_jpy"] <= row["limit_jpy"]
    for x in lines:
        cat = TM.category(x.category)
        if cat.per_head_jpy is not None and r.lines[x.id].payable_jpy:
            assert r.lines[x.id].payable_jpy <= cat.per_head_jpy * x.victims


@SETTINGS
@given(world(), st.data())
def test_adding_a_line_never_increases_another_lines_payable(w, data):
    plan, cases, lines = w
    extra = make_line(len(lines) + 1, cases, data.draw(LINE))
    before = compute(TM, plan, cases, lines)
    after = compute(TM, plan, cases, lines + [extra])
    for x in lines:
        assert after.lines[x.id].payable_jpy <= before.lines[x.id].payable_jpy


@SETTINGS
@given(world(), st.randoms(use_true_random=False))
def test_entry_order_within_a_day_moves_money_between_lines_only(w, rnd: random.Random):
    plan, cases, lines = w
    base = compute(TM, plan, cases, lines)
    # The list order given to the engine never matters: it sorts by date, then entry (I-6).
    shuffled = lines[:]
    rnd.shuffle(shuffled)
    assert {k: (v.payable_jpy, v.status, v.reasons) for k, v in compute(TM, plan, cases, shuffled).lines.items()} \
        == {k: (v.payable_jpy, v.status, v.reasons) for k, v in base.lines.items()}
    if not lines:
        return
    # Re-number the entries of one day in another order: the lines of earlier days are untouched, and the
    # policy-period total is the same (the limits nest, so greedy allocation always fills them equally).
    day = rnd.choice(lines).arose_on
    same_day = [x for x in lines if x.arose_on == day]
    ids = [x.id for x in same_day]
    rnd.shuffle(ids)
    renumber = {x.id: new for x, new in zip(same_day, ids, strict=True)}
    permuted = [CostItem(**{**x.__dict__, "id": renumber.get(x.id, x.id)}) for x in lines]
    other = compute(TM, plan, cases, permuted)
    assert other.payable_jpy == base.payable_jpy
    for x in lines:
        if x.arose_on < day:
            assert other.lines[x.id].payable_jpy == base.lines[x.id].payable_jpy


@SETTINGS
@given(world(), st.lists(LINE, min_size=1, max_size=6), st.integers(0, 30))
def test_extending_a_result_equals_computing_the_whole_ledger(w, raw_new, gap):
    from hotline.coverage.engine import extend

    plan, cases, lines = w
    last = max((x.arose_on for x in lines), default=D0)
    new = []
    for i, raw in enumerate(raw_new, start=len(lines) + 1):
        line = make_line(i, cases, raw)
        if line.category == "emergency_response":
            continue  # extend refuses ① lines; tested below
        new.append(CostItem(**{**line.__dict__, "arose_on": last + dt.timedelta(days=gap)}))
    if not new:
        return
    full = compute(TM, plan, cases, lines + new)
    extended = extend(compute(TM, plan, cases, lines), new)
    assert extended is not None

    def view(r):
        return ({k: (v.payable_jpy, v.status, v.reasons, v.decisions) for k, v in r.lines.items()},
                r.claimed_jpy, r.payable_jpy, r.categories, r.limits, r.decisions,
                {cid: (c.claimed_jpy, c.payable_jpy, c.categories, c.limits, [x.id for x in c.lines])
                 for cid, c in r.cases.items()})
    assert view(extended) == view(full)


def test_extend_refuses_what_it_cannot_append():
    from hotline.coverage.engine import extend

    case = make_case(1, (0, 1, "internal", "no", True))
    base = compute(TM, "A", [case], [make_line(5, [case], (0, "other.staff", 1000, 10, None, False, 1))])
    earlier = make_line(6, [case], (0, "other.staff", 1000, 5, None, False, 1))
    emergency = make_line(7, [case], (0, "emergency_response", 1000, 20, None, False, 1))
    assert extend(base, [earlier]) is None  # sorts before an allocated line
    assert extend(base, [emergency]) is None  # may change the 30-day rule of the case
    later = make_line(8, [case], (0, "attack_response", 1000, 20, None, False, 1))
    assert extend(base, [later]).lines[8].status == "not_covered"  # internal discovery on a false alarm
    assert base.lines.keys() == {5}  # the earlier result is left as it was
