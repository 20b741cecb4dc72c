"""The 30-day rule (DOMAIN C.3, I-5) as one pure rule with its window from the product data, and its four
uses (the insurer-notice deadline, the coverage engine, the dispatch gates, the cost warnings) agreeing on
the same boundary instants. Hand-computed dates; 2026-04-10 is a Friday, 05-10 a Sunday (no roll-over)."""
import datetime as dt

import pytest

from hotline.costs.service import in_words, warnings_for
from hotline.coverage.engine import CostItem, compute
from hotline.i18n import render
from hotline.products.catalogue import DATA, CatalogueError, get_product, load_product
from tests.support import jst
from vendors.gates import dispatch_warnings
from workflows import deadlines
from workflows.facts import CaseFacts
from workflows.thirty_day import ThirtyDayRule, assess, ordered_before_notice

TM, SJ = get_product("tm-juas-2026"), get_product("sj-cyber-2018")
D = dt.date


def test_the_products_data_gives_the_rule():
    assert TM.thirty_day_rule == ThirtyDayRule(window_first_day=1, window_last_day=30, decision="I-5")
    assert SJ.thirty_day_rule is None


def test_window_comes_from_the_data():
    ten = ThirtyDayRule(window_first_day=1, window_last_day=10, decision="X-1")
    w = ten.window(jst(2026, 4, 10, 23, 30))
    assert (w.discovery_date, w.first, w.last) == (D(2026, 4, 10), D(2026, 4, 11), D(2026, 4, 20))
    assert w.ends_at == jst(2026, 4, 21, 0, 0)
    assert not w.contains(D(2026, 4, 10)) and w.contains(D(2026, 4, 11)) and w.contains(D(2026, 4, 20))
    assert not w.contains(D(2026, 4, 21))
    same_day = ThirtyDayRule(window_first_day=0, window_last_day=10, decision="X-1").window(jst(2026, 4, 10, 9, 0))
    assert same_day.first == D(2026, 4, 10) and same_day.last == D(2026, 4, 20)
    # the deadline follows the same data: last day D0 + 10, due 00:00 JST of D0 + 11
    d = deadlines.insurer_emergency_notice(CaseFacts(first_discovered_at=jst(2026, 4, 10, 23, 30),
                                                     reported_at=jst(2026, 4, 20, 23, 59, 59)), ten, "x")
    assert (d.last_day, d.due_at, d.met_at) == (D(2026, 4, 20), jst(2026, 4, 21, 0, 0), jst(2026, 4, 20, 23, 59, 59))
    rule = render(d.rule, "en")
    assert render(d.source, "en") == "Decision X-1 (DOMAIN C.3)" and "day 10" in rule
    assert "2026-04-20 (Mon) 24:00 JST" in rule


@pytest.mark.parametrize("first,last", [(5, 3), (-1, 30), (0, 0)])
def test_a_bad_window_is_refused(first, last):
    with pytest.raises(ValueError):
        ThirtyDayRule(window_first_day=first, window_last_day=last, decision="I-5")


def test_a_product_file_with_a_bad_window_does_not_load(tmp_path):
    text = (DATA / "tm-juas-2026.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "tm-juas-2026.yaml"
    bad.write_text(text.replace("window_last_day: 30", "window_last_day: 0"), encoding="utf-8")
    with pytest.raises(CatalogueError, match="tm-juas-2026.yaml"):
        load_product(bad)


def test_window_edges_in_tokyo_time():
    rule = TM.thirty_day_rule
    w = rule.window(jst(2026, 4, 10, 23, 30))  # C.3 worked example
    assert (w.first, w.last, w.ends_at) == (D(2026, 4, 11), D(2026, 5, 10), jst(2026, 5, 11, 0, 0))
    assert w.in_time(jst(2026, 5, 10, 23, 59, 59)) and not w.in_time(jst(2026, 5, 11, 0, 0))
    # scenario 5: 08:30 JST is 23:30 UTC the day before; D0 is still the Tokyo date
    trap = jst(2026, 4, 10, 8, 30)
    assert trap.astimezone(dt.UTC).date() == D(2026, 4, 9)
    assert rule.window(trap).last == D(2026, 5, 10) and rule.window(trap.astimezone(dt.UTC)).last == D(2026, 5, 10)
    # discovery at 23:59:59 and at 00:00 JST: a different D0
    assert rule.window(jst(2026, 4, 10, 23, 59, 59)).last == D(2026, 5, 10)
    assert rule.window(jst(2026, 4, 11, 0, 0)).last == D(2026, 5, 11)


def test_ordered_before_notice():
    notice = jst(2026, 4, 11, 0, 15)
    assert ordered_before_notice(notice, ordered_at=notice) is True  # the notice must come first
    assert ordered_before_notice(notice, ordered_at=notice + dt.timedelta(seconds=1)) is False
    assert ordered_before_notice(notice, arose_on=D(2026, 4, 10)) is True
    assert ordered_before_notice(notice, arose_on=D(2026, 4, 11)) is None  # the notice's own date: unknown
    assert ordered_before_notice(notice, arose_on=D(2026, 4, 12)) is False
    assert ordered_before_notice(notice) is False


def test_assess_names_the_products_decision():
    rule = ThirtyDayRule(window_first_day=1, window_last_day=10, decision="X-1")
    case = CaseFacts(id=1, first_discovered_at=jst(2026, 4, 10, 23, 30), reported_at=jst(2026, 4, 21, 0, 0))
    td = assess(rule, case, [])
    assert (td.status, td.notice_in_time, td.decision) == ("broken", False, "X-1")
    assert td.decision == "X-1" and render(td.explanation, "en") + f" (decision {td.decision})" == ("the insurer was told on 2026-04-21 00:00 JST, after the last day 2026-04-20 of the "
                              "30-day window (decision X-1)")


def test_a_product_without_the_rule_has_no_insurer_notice_deadline():
    f = CaseFacts(first_discovered_at=jst(2026, 4, 10, 23, 30), reported_at=jst(2026, 4, 11, 0, 15))
    d = deadlines.insurer_emergency_notice(f, None, "sj-cyber-2018")
    assert (d.applies, d.due_at, d.last_day, d.met_at) == (False, None, None, None)
    assert render(d.rule, "en") == ("Not applicable: the policy's product (sj-cyber-2018) has no 30-day notice rule for "
                      "emergency-response costs.")
    assert render(d.rule, "ja") == "対象外：契約の保険商品（sj-cyber-2018）には緊急対応費用の30日ルールがありません。"
    assert deadlines.status(d.due_at, d.met_at, d.applies, jst(2026, 6, 1)) == "not_applicable"
    assert [c.kind for c in deadlines.compute(f, thirty_day=None, product="sj-cyber-2018")] == list(deadlines.KINDS)


# --- the four uses agree --------------------------------------------------------------------------------
DISCOVERED = jst(2026, 4, 10, 23, 30)  # window 04-11 .. 05-10; 05-11 00:00 JST is the first late instant


def _four_uses(product, *, reported_at, ordered_at, arose_on, now, category="emergency_response"):
    """What each use says for a false alarm with one ① order: (deadline status, coverage status of the 30-day
    rule, dispatch warnings for forensics ordered at `ordered_at`, cost warnings for that ① line)."""
    f = CaseFacts(id=1, first_discovered_at=DISCOVERED, reported_at=reported_at, attack_confirmed="no")
    rule = product.thirty_day_rule
    d = deadlines.insurer_emergency_notice(f, rule, product.code)
    deadline = deadlines.status(d.due_at, d.met_at, d.applies, now)
    line = CostItem(1, 1, category, 1_000_000, arose_on, ordered_at=ordered_at)
    td = compute(product, next(iter(product.plans)), [f], [line]).cases[1].thirty_day
    gate = dispatch_warnings("forensics", f, ordered_at, thirty_day=rule, consent_required=lambda _c: False,
                             category_name=str)
    cost = warnings_for(product, f, category, arose_on=arose_on, ordered_at=ordered_at, consent_ref=None)
    gate, cost = [render(w, "en") for w in gate], [in_words(w, "en") for w in cost]
    return deadline, td and td.status, gate, cost


def test_the_four_uses_agree_at_the_end_of_the_window():
    order = jst(2026, 5, 12, 9, 0)
    on_time = _four_uses(TM, reported_at=jst(2026, 5, 10, 23, 59, 59), ordered_at=order, arose_on=D(2026, 5, 12),
                         now=jst(2026, 6, 1))
    assert on_time == ("met", "valid", [], [])
    late = _four_uses(TM, reported_at=jst(2026, 5, 11, 0, 0), ordered_at=order, arose_on=D(2026, 5, 12),
                      now=jst(2026, 6, 1))
    deadline, coverage, (gate,), (cost,) = late
    assert (deadline, coverage) == ("missed", "broken")
    assert "last day 2026-05-10" in gate and "has ended" in gate
    assert cost == ("The insurer was told after the last day 2026-05-10 of the 30-day window: only ① costs that "
                    "arose 2026-04-11 to 2026-05-10 are eligible (decision I-5).")


def test_the_four_uses_agree_on_an_order_at_the_instant_of_the_notice():
    notice = jst(2026, 4, 11, 0, 15)
    at_notice = _four_uses(TM, reported_at=notice, ordered_at=notice, arose_on=D(2026, 4, 11), now=jst(2026, 6, 1))
    deadline, coverage, (gate,), (cost,) = at_notice
    assert (deadline, coverage) == ("met", "broken")  # the deadline is the notice alone; the order breaks ①
    assert "before the insurer notice (2026-04-11 00:15 JST)" in gate
    assert cost.startswith("This ① cost was ordered before the insurer was told")
    after = _four_uses(TM, reported_at=notice, ordered_at=notice + dt.timedelta(seconds=1), arose_on=D(2026, 4, 11),
                       now=jst(2026, 6, 1))
    assert after == ("met", "valid", [], [])


def test_no_use_speaks_of_the_rule_for_a_product_without_it():
    """Sompo: a late notice, or Sompo's ① -like cyber-incident response cost ordered before the notice, on the
    day of the notice or after it: no deadline, no 30-day status, no 30-day warning."""
    no_rule = "The limits of this product are not known: the line will show as pending for the adjuster."
    for reported_at in (jst(2026, 4, 11, 0, 15), jst(2026, 5, 11, 0, 0)):
        for ordered_at in (reported_at - dt.timedelta(hours=1), reported_at, reported_at + dt.timedelta(hours=1)):
            deadline, coverage, gate, cost = _four_uses(SJ, reported_at=reported_at, ordered_at=ordered_at,
                                                        arose_on=reported_at.date(), now=jst(2026, 6, 1),
                                                        category="cyber_incident_response")
            assert (deadline, coverage, gate, cost) == ("not_applicable", None, [], [no_rule])
