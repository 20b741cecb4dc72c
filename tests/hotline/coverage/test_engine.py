"""The coverage engine (DOMAIN section I), pure: hand-computed expectations, no database."""
from __future__ import annotations

import datetime as dt

import pytest

from hotline.costs.service import in_words
from hotline.coverage.engine import CostItem, compute
from hotline.products.catalogue import get_product
from tests.support import jst
from workflows.facts import CaseFacts

TM = get_product("tm-juas-2026")
D = dt.date


def case(cid=1, *, attack="yes", source="internal", discovered=jst(2026, 4, 10, 23, 30),
         reported=jst(2026, 4, 11, 0, 15), published=jst(2026, 4, 12, 10, 0)):
    return CaseFacts(id=cid, first_discovered_at=discovered, reported_at=reported, discovery_source=source,
                     attack_confirmed=attack, publication_made_at=published)


class Ledger:
    def __init__(self):
        self.items = []

    def add(self, category, amount, day=D(2026, 4, 15), *, case=1, victims=None, consent="C-1", ordered_at=None):
        item = CostItem(id=len(self.items) + 1, case_id=case, category=category, amount_jpy=amount, arose_on=day,
                        victims=victims, consent_ref=consent, ordered_at=ordered_at)
        self.items.append(item)
        return item.id


def en(line) -> list[str]:
    """A line's reasons as the API gives them: English, with the decision each applies."""
    return [in_words(r, "en") for r in line.reasons]


def run(ledger, cases=None, plan="A", **kw):
    return compute(TM, plan, cases or [case()], ledger.items, **kw)


# --- E.2, reading 2: the company A example with the lawyer fees as ④ advisory ------------------------------
def e1_ledger():
    ledger = Ledger()
    ledger.add("investigation", 1_000_000, D(2026, 4, 12))  # 被害状況の把握
    ledger.add("investigation", 2_000_000, D(2026, 4, 12))  # 原因調査・証拠保全
    ledger.add("other.consolation_individual", 1_500_000, D(2026, 5, 1), victims=3_000)
    ledger.add("liability.damages", 30_000_000, D(2026, 6, 1))
    ledger.add("advisory", 3_000_000, D(2026, 5, 1))  # 弁護士費用, reading 2
    ledger.add("system_restoration", 3_000_000, D(2026, 5, 2))
    return ledger


def test_e2_reading_2_plan_a():
    r = run(e1_ledger(), plan="A")
    assert r.claimed_jpy == 40_500_000
    assert r.payable_jpy == 39_500_000
    costs = sum(v["payable_jpy"] for k, v in r.categories.items() if not k.startswith("liability"))
    assert costs == 9_500_000
    assert r.categories["liability.damages"]["payable_jpy"] == 30_000_000
    advisory = r.lines[5]
    assert (advisory.payable_jpy, advisory.status) == (2_000_000, "reduced")
    assert en(advisory) == ["¥1,000,000 over the shared ②③④ limit of ¥5,000,000 for plan A (per incident)"]
    assert all(r.lines[i].status == "payable" for i in (1, 2, 3, 4, 6))


@pytest.mark.parametrize("plan", ["B", "C"])
def test_e2_reading_2_plans_b_and_c(plan):
    r = run(e1_ledger(), plan=plan)
    assert (r.claimed_jpy, r.payable_jpy) == (40_500_000, 40_500_000)
    assert all(line.status == "payable" for line in r.lines.values())


# --- I-6: coinsurance, own limits, shared group, overall limit, global cap; exactly and +¥1 -----------------
def test_coinsurance_rounds_down_to_the_yen():
    ledger = Ledger()
    ledger.add("recurrence_prevention", 1_111_111)
    line = run(ledger).lines[1]
    assert line.payable_jpy == 999_999  # 1,111,111 × 0.9 = 999,999.9
    assert en(line) == ["¥111,112 not paid: ⑦ Recurrence-prevention costs pays 90% of ¥1,111,111 (coinsurance) (decision I-6)"]


@pytest.mark.parametrize("category,limit", [("system_restoration", 3_000_000),
                                            ("litigation_support", 10_000_000)])
def test_own_limit_reached_exactly_and_exceeded_by_one_yen(category, limit):
    ledger = Ledger()
    ledger.add(category, limit)
    ledger.add(category, 1)
    r = run(ledger, plan="C")  # overall ¥50M, so the own limit is the one that binds
    assert (r.lines[1].payable_jpy, r.lines[1].status) == (limit, "payable")
    assert (r.lines[2].payable_jpy, r.lines[2].status) == (0, "reduced")
    assert en(r.lines[2])[0].startswith("¥1 over the own limit of ")
    assert f"of ¥{limit:,} for plan C" in en(r.lines[2])[0]


def test_recurrence_prevention_own_limit_after_coinsurance():
    ledger = Ledger()
    ledger.add("recurrence_prevention", 11_111_112)  # × 0.9 = 10,000,000.8 → 10,000,000: exactly the limit
    ledger.add("recurrence_prevention", 11_111_113, D(2026, 4, 15), case=2)  # → 10,000,001: ¥1 over (per incident)
    cases = [case(1), case(2)]
    r = run(ledger, cases, plan="C")
    assert r.lines[1].payable_jpy == 10_000_000
    assert en(r.lines[1]) == ["¥1,111,112 not paid: ⑦ Recurrence-prevention costs pays 90% of ¥11,111,112 (coinsurance) (decision I-6)"]
    # The second case meets the per-period own limit, already used up by the first.
    assert r.lines[2].payable_jpy == 0
    assert en(r.lines[2])[1:] == [
        "¥1 over the own limit of ⑦ Recurrence-prevention costs of ¥10,000,000 for plan C (per incident)",
        "¥10,000,000 over the own limit of ⑦ Recurrence-prevention costs of ¥10,000,000 for plan C "
        "(per policy period, summed over every case of the policy)"]
    ledger = Ledger()
    ledger.add("recurrence_prevention", 11_111_113)
    r = run(ledger, plan="C")
    assert r.lines[1].payable_jpy == 10_000_000
    assert en(r.lines[1])[1] == "¥1 over the own limit of ⑦ Recurrence-prevention costs of ¥10,000,000 for plan C (per incident)"


def test_emergency_own_limit_of_ten_million():
    c = case(attack="no")
    ledger = Ledger()
    ledger.add("emergency_response", 11_111_111, ordered_at=jst(2026, 4, 11, 9))  # × 0.9 = 9,999,999
    ledger.add("emergency_response", 2, ordered_at=jst(2026, 4, 11, 9))  # × 0.9 = 1 → exactly 10,000,000
    ledger.add("emergency_response", 2, ordered_at=jst(2026, 4, 11, 9))  # 1 over
    r = run(ledger, [c], plan="C")
    assert [r.lines[i].payable_jpy for i in (1, 2, 3)] == [9_999_999, 1, 0]
    assert en(r.lines[3])[-1] == ("¥1 over the own limit of ① Emergency-response costs (false alarm) of ¥10,000,000 for plan C "
                                      "(per incident)")


@pytest.mark.parametrize("plan,g1", [("A", 5_000_000), ("B", 10_000_000), ("C", 10_000_000)])
def test_shared_group_across_its_three_categories(plan, g1):
    third = g1 // 5
    ledger = Ledger()
    ledger.add("attack_response", third * 2, D(2026, 4, 12))
    ledger.add("investigation", third * 2, D(2026, 4, 13))
    ledger.add("advisory", third, D(2026, 4, 14))  # reaches the limit exactly
    ledger.add("advisory", 1, D(2026, 4, 15))  # ¥1 over
    r = run(ledger, plan=plan)
    assert [r.lines[i].payable_jpy for i in (1, 2, 3, 4)] == [third * 2, third * 2, third, 0]
    assert en(r.lines[4]) == [f"¥1 over the shared ②③④ limit of ¥{g1:,} for plan {plan} (per incident)"]
    assert r.cases[1].limits and any(x["key"] == "group:G1:1" and x["remaining_jpy"] == 0 for x in r.cases[1].limits)


def test_overall_cost_limit_exactly_and_plus_one():
    ledger = Ledger()
    ledger.add("other.staff", 7_000_000, D(2026, 4, 12))
    ledger.add("system_restoration", 3_000_000, D(2026, 4, 13))  # overall A ¥10M reached exactly
    ledger.add("other.travel", 1, D(2026, 4, 14))
    r = run(ledger, plan="A")
    assert [r.lines[i].payable_jpy for i in (1, 2, 3)] == [7_000_000, 3_000_000, 0]
    assert en(r.lines[3]) == ["¥1 over the overall cost limit of ¥10,000,000 for plan A (per incident)"]


def test_two_cases_of_one_period_draw_on_the_same_period_limits():
    ledger = Ledger()
    ledger.add("other.staff", 6_000_000, D(2026, 4, 12), case=1)
    ledger.add("other.staff", 6_000_000, D(2026, 6, 1), case=2)
    cases = [case(1), case(2, discovered=jst(2026, 5, 20, 10), reported=jst(2026, 5, 20, 11))]
    r = run(ledger, cases, plan="A")
    assert r.lines[2].payable_jpy == 4_000_000
    assert en(r.lines[2]) == ["¥2,000,000 over the overall cost limit of ¥10,000,000 for plan A "
                                  "(per policy period, summed over every case of the policy)"]
    assert r.cases[1].payable_jpy == 6_000_000 and r.cases[2].payable_jpy == 4_000_000
    period = {x["key"]: x for x in r.limits}
    assert period["overall"]["used_jpy"] == 10_000_000 and period["overall"]["remaining_jpy"] == 0


def test_shared_group_per_period_across_cases():
    ledger = Ledger()
    ledger.add("investigation", 4_000_000, D(2026, 4, 12), case=1)
    ledger.add("investigation", 4_000_000, D(2026, 6, 1), case=2)
    cases = [case(1), case(2, discovered=jst(2026, 5, 20, 10), reported=jst(2026, 5, 20, 11))]
    r = run(ledger, cases, plan="A")
    assert r.lines[2].payable_jpy == 1_000_000
    assert "shared ②③④ limit of ¥5,000,000 for plan A (per policy period" in en(r.lines[2])[0]


def test_per_victim_cap_exactly_and_plus_one():
    ledger = Ledger()
    ledger.add("other.consolation_individual", 3_000_000, victims=3_000)  # ¥1,000 × 3,000 exactly
    ledger.add("other.consolation_individual", 3_001, victims=3)  # ¥1 over ¥3,000
    r = run(ledger, plan="C")
    assert r.lines[1].payable_jpy == 3_000_000 and r.lines[1].status == "payable"
    assert r.lines[2].payable_jpy == 3_000
    assert en(r.lines[2]) == ["¥1 over the per-victim cap of ¥1,000 × 3 = ¥3,000"]


def test_per_company_and_per_person_caps():
    ledger = Ledger()
    ledger.add("other.consolation_corporate", 120_000, victims=2)
    ledger.add("bodily_injury_consolation", 250_000, victims=2)
    r = run(ledger, plan="C")
    assert r.lines[1].payable_jpy == 100_000
    assert en(r.lines[1]) == ["¥20,000 over the per-company cap of ¥50,000 × 2 = ¥100,000"]
    assert r.lines[2].payable_jpy == 200_000


def test_per_head_line_without_a_count_is_pending():
    ledger = Ledger()
    ledger.add("other.consolation_corporate", 120_000)
    line = run(ledger).lines[1]
    assert (line.status, line.payable_jpy) == ("pending_determination", 0)
    assert "enter the number of companys" not in en(line)[0]
    assert "enter the number of companies for the ¥50,000 per-company cap" in en(line)[0]


def test_fifty_thousand_victims_capped_by_the_overall_limit():
    ledger = Ledger()
    ledger.add("other.consolation_individual", 75_000_000, victims=50_000)  # DOMAIN E.2: ¥1,500 each
    for plan, paid in (("A", 10_000_000), ("B", 20_000_000), ("C", 50_000_000)):
        line = run(ledger, plan=plan).lines[1]
        assert line.payable_jpy == paid
        assert en(line)[0] == "¥25,000,000 over the per-victim cap of ¥1,000 × 50,000 = ¥50,000,000"


def test_global_cap_across_liability_and_costs():
    ledger = Ledger()
    ledger.add("liability.damages", 95_000_000, D(2026, 4, 20))
    ledger.add("other.staff", 6_000_000, D(2026, 4, 21))  # costs 6M, but only 5M left under the ¥100M cap
    r = run(ledger, plan="A")
    assert r.lines[2].payable_jpy == 5_000_000
    assert en(r.lines[2]) == ["¥1,000,000 over the global cap (the liability per-period limit, on everything "
                                  "paid) of ¥100,000,000 for plan A (per policy period, summed over every case of "
                                  "the policy)"]
    assert r.payable_jpy == 100_000_000


def test_liability_per_claim_and_per_period_i7():
    ledger = Ledger()
    ledger.add("liability.damages", 100_000_001, D(2026, 4, 20))
    ledger.add("liability.defense", 5_000_000, D(2026, 4, 21))
    r = run(ledger, plan="A")
    assert r.lines[1].payable_jpy == 100_000_000
    assert "liability limit for damages of ¥100,000,000 for plan A (per claim) (decision I-7)" in en(r.lines[1])[0]
    assert r.lines[2].payable_jpy == 0 and "liability per-period limit" in en(r.lines[2])[0]


def test_litigation_support_i1_own_limit_and_overall():
    ledger = Ledger()
    ledger.add("litigation_support", 12_000_000)
    assert run(ledger, plan="C").lines[1].payable_jpy == 10_000_000
    assert "I-1" in run(ledger, plan="C").lines[1].decisions


# --- I-8 consent, I-3 publication -----------------------------------------------------------------------------
def test_pending_consent_turns_payable_when_recorded():
    ledger = Ledger()
    ledger.add("advisory", 1_000_000, consent=None)
    ledger.add("investigation", 4_500_000, D(2026, 4, 20))
    r = run(ledger, plan="A")
    assert (r.lines[1].status, r.lines[1].payable_jpy) == ("pending_consent", 0)
    assert "prior written consent" in en(r.lines[1])[0] and "I-8" in en(r.lines[1])[0]
    assert r.lines[2].payable_jpy == 4_500_000  # a pending line holds no limit
    ledger.items[0] = CostItem(**{**ledger.items[0].__dict__, "consent_ref": "TM-2026-0042"})
    r = run(ledger, plan="A")
    assert (r.lines[1].status, r.lines[1].payable_jpy) == ("payable", 1_000_000)
    assert r.lines[2].payable_jpy == 4_000_000


def test_consolation_waits_for_publication_i3():
    ledger = Ledger()
    ledger.add("other.consolation_individual", 500_000, victims=1_000)
    r = run(ledger, [case(published=None)])
    assert (r.lines[1].status, r.lines[1].payable_jpy) == ("pending_determination", 0)
    assert "公表等の措置" in en(r.lines[1])[0]
    assert run(ledger, [case()]).lines[1].payable_jpy == 500_000


# --- I-4 事故対応期間 ------------------------------------------------------------------------------------------
def test_response_period_one_year_inclusive_i4():
    ledger = Ledger()
    ledger.add("other.staff", 100, D(2027, 4, 10))  # D0 = 2026-04-10 → last day 2027-04-10
    ledger.add("other.staff", 100, D(2027, 4, 11))
    ledger.add("other.staff", 100, D(2026, 4, 9))
    r = run(ledger)
    assert r.lines[1].status == "payable"
    assert r.lines[2].status == "not_covered" and "2026-04-10 to 2027-04-10 (decision I-4)" in en(r.lines[2])[0]
    assert r.lines[3].status == "not_covered"


def test_discovery_outside_the_policy_period():
    ledger = Ledger()
    ledger.add("other.staff", 100, D(2026, 5, 2))
    period = (jst(2026, 5, 1, 16, 0), jst(2027, 3, 1, 16, 0))
    r = run(ledger, [case(discovered=jst(2026, 5, 1, 15, 59), reported=jst(2026, 5, 1, 16, 30))], period=period)
    assert r.lines[1].status == "not_covered"
    assert run(ledger, [case(discovered=jst(2026, 5, 1, 16, 0), reported=jst(2026, 5, 1, 16, 30))],
               period=period).lines[1].status == "payable"


# --- I-9 false-alarm matrix -----------------------------------------------------------------------------------
SOURCES = ["internal", "public_body", "security_provider", "customer", "other"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("attack", ["yes", "no", "unknown"])
def test_false_alarm_matrix(attack, source):
    ledger = Ledger()
    ledger.add("emergency_response", 1_000_000, ordered_at=jst(2026, 4, 11, 9))
    ledger.add("attack_response", 1_000_000)
    ledger.add("investigation", 1_000_000)
    ledger.add("other.staff", 1_000_000)
    r = run(ledger, [case(attack=attack, source=source)], plan="C")
    status = {r.lines[i].category: (r.lines[i].status, r.lines[i].payable_jpy) for i in (1, 2, 3, 4)}
    external = source in ("public_body", "security_provider")
    if attack == "yes":
        assert status == {"emergency_response": ("not_covered", 0), "attack_response": ("payable", 1_000_000),
                          "investigation": ("payable", 1_000_000), "other.staff": ("payable", 1_000_000)}
    elif attack == "unknown":
        assert status == {"emergency_response": ("pending_determination", 0),
                          "attack_response": ("payable", 1_000_000),
                          "investigation": ("payable", 1_000_000), "other.staff": ("payable", 1_000_000)}
    else:
        assert status == {"emergency_response": ("reduced", 900_000),
                          "attack_response": ("payable", 1_000_000) if external else ("not_covered", 0),
                          "investigation": ("not_covered", 0), "other.staff": ("not_covered", 0)}
        assert all("I-9" in x for i in (3, 4) for x in en(r.lines[i]))


# --- I-5 the 30-day rule ---------------------------------------------------------------------------------------
def false_alarm(**kw):
    return case(attack="no", **kw)


def test_thirty_day_valid_notice_covers_costs_after_the_window():
    ledger = Ledger()
    ledger.add("emergency_response", 2_000_000, D(2026, 4, 11), ordered_at=jst(2026, 4, 11, 9))  # scenario 1
    ledger.add("emergency_response", 1_000_000, D(2026, 6, 1), ordered_at=jst(2026, 6, 1, 9))
    r = run(ledger, [false_alarm()])
    assert r.cases[1].thirty_day.status == "valid"
    assert [r.lines[i].payable_jpy for i in (1, 2)] == [1_800_000, 900_000]


def test_thirty_day_order_before_notice_breaks_it_for_the_whole_case():
    ledger = Ledger()  # scenario 2: ordered 04-10 23:50, hotline told 04-12
    ledger.add("emergency_response", 1_000_000, D(2026, 4, 10), ordered_at=jst(2026, 4, 10, 23, 50))
    ledger.add("emergency_response", 1_000_000, D(2026, 4, 20), ordered_at=jst(2026, 4, 20, 9))
    ledger.add("emergency_response", 1_000_000, D(2026, 5, 10), ordered_at=jst(2026, 5, 10, 9))
    ledger.add("emergency_response", 1_000_000, D(2026, 5, 11), ordered_at=jst(2026, 5, 11, 9))
    r = run(ledger, [false_alarm(reported=jst(2026, 4, 12, 10))])
    assert r.cases[1].thirty_day.status == "broken"
    assert [r.lines[i].status for i in (1, 2, 3, 4)] == ["not_covered", "reduced", "reduced", "not_covered"]
    assert [r.lines[i].payable_jpy for i in (1, 2, 3, 4)] == [0, 900_000, 900_000, 0]
    assert "only ① costs that arose 2026-04-11 to 2026-05-10 are eligible" in en(r.lines[1])[0]
    assert "costs on D0" not in en(r.lines[1])[0]


def test_thirty_day_late_notice_with_no_cost_in_the_window_pays_nothing():
    ledger = Ledger()  # scenario 4: first notice 05-11, the day after day 30
    ledger.add("emergency_response", 1_000_000, D(2026, 5, 12), ordered_at=jst(2026, 5, 12, 9))
    r = run(ledger, [false_alarm(reported=jst(2026, 5, 11, 0, 0))])
    assert r.cases[1].thirty_day.status == "broken" and not r.cases[1].thirty_day.notice_in_time
    assert r.lines[1].payable_jpy == 0


def test_thirty_day_notice_at_the_last_instant_of_day_30():
    ledger = Ledger()
    ledger.add("emergency_response", 1_000_000, D(2026, 6, 1), ordered_at=jst(2026, 6, 1, 9))
    assert run(ledger, [false_alarm(reported=jst(2026, 5, 10, 23, 59))]).lines[1].payable_jpy == 900_000


def test_thirty_day_tokyo_date_trap():
    # Discovery 2026-04-10 08:30 JST = 04-09 23:30 UTC: D0 is 04-10, day 30 is 05-10 (not 05-09).
    discovered = dt.datetime(2026, 4, 9, 23, 30, tzinfo=dt.UTC)
    ledger = Ledger()
    ledger.add("emergency_response", 1_000_000, D(2026, 5, 10), ordered_at=jst(2026, 5, 10, 12))
    r = run(ledger, [false_alarm(discovered=discovered, reported=jst(2026, 5, 10, 11))])
    td = r.cases[1].thirty_day
    assert (td.window.discovery_date, td.window.first, td.window.last) == (D(2026, 4, 10), D(2026, 4, 11), D(2026, 5, 10))
    assert td.status == "valid" and r.lines[1].payable_jpy == 900_000


def test_thirty_day_costs_on_d0_are_outside_the_fallback_window():
    ledger = Ledger()
    ledger.add("emergency_response", 1_000_000, D(2026, 4, 10), ordered_at=jst(2026, 4, 10, 23, 40))
    r = run(ledger, [false_alarm()])  # notice 04-11 00:15, after the order → broken
    assert r.lines[1].status == "not_covered"
    assert "arose on 2026-04-10" in en(r.lines[1])[0]
    ledger = Ledger()
    ledger.add("emergency_response", 1_000_000, D(2026, 4, 10), ordered_at=jst(2026, 4, 10, 23, 50))
    r = run(ledger, [false_alarm(reported=jst(2026, 4, 10, 23, 45))])  # called first: valid, D0 cost covered
    assert r.lines[1].payable_jpy == 900_000


def test_thirty_day_same_day_order_without_time_is_pending():
    ledger = Ledger()
    ledger.add("emergency_response", 1_000_000, D(2026, 4, 11))
    r = run(ledger, [false_alarm()])
    assert r.cases[1].thirty_day.status == "undecided"
    assert r.lines[1].status == "pending_determination" and "record when it was ordered" in en(r.lines[1])[0]
    ledger = Ledger()
    ledger.add("emergency_response", 1_000_000, D(2026, 4, 12))  # the day after the notice: ordered after it
    assert run(ledger, [false_alarm()]).lines[1].payable_jpy == 900_000


# --- I-6 order, determinism, the Sompo product --------------------------------------------------------------
def test_allocation_follows_the_date_the_cost_arose_then_entry():
    ledger = Ledger()
    ledger.add("investigation", 4_000_000, D(2026, 5, 1))
    ledger.add("attack_response", 4_000_000, D(2026, 4, 20))  # earlier date, entered later: served first
    r = run(ledger, plan="A")
    assert (r.lines[2].payable_jpy, r.lines[1].payable_jpy) == (4_000_000, 1_000_000)


def test_sompo_lines_are_pending_with_the_adjuster_reason():
    sj = get_product("sj-cyber-2018")
    items = [CostItem(1, 1, "special_response", 1_000_000, D(2026, 4, 15)),
             CostItem(2, 1, "liability.damages", 5_000_000, D(2026, 4, 15))]
    r = compute(sj, "individual", [case()], items)
    assert {x.status for x in r.lines.values()} == {"pending_determination"}
    assert en(r.lines[1]) == ["limits not known: refer to the adjuster"]
    assert r.payable_jpy == 0 and r.claimed_jpy == 6_000_000


def test_unknown_category_is_not_covered_with_a_reason():
    r = compute(TM, "A", [case()], [CostItem(1, 1, "ransom", 1_000, D(2026, 4, 15))])
    assert r.lines[1].status == "not_covered" and en(r.lines[1])


# --- The truth at the moment of choice: consent cannot make a line payable from a limit with nothing left ----
def test_consent_on_a_used_up_limit_is_said_to_pay_nothing():
    """Plan A's shared ②③④ limit is ¥5,000,000: ③ investigation of ¥5,000,000 uses all of it, so ④ advisory
    of ¥800,000 waiting for consent would still pay ¥0; with ¥4,600,000 of ③, at most ¥400,000 of it."""
    from hotline.coverage.engine import consent_outlook

    ledger = Ledger()
    ledger.add("investigation", 5_000_000)
    ledger.add("advisory", 800_000, consent=None)
    result = run(ledger)
    line = advisory(result)
    assert line.status == "pending_consent" and line.payable_jpy == 0
    assert in_words(consent_outlook(result, line), "en") == (
        "¥800,000 pending consent: ④ Advisory costs needs the insurer's prior written consent, but the shared ②③④ "
        "limit of ¥5,000,000 for plan A (per incident) has nothing left, so recording consent would not make this "
        "line payable (decision I-8)")
    ledger = Ledger()
    ledger.add("investigation", 4_600_000)
    ledger.add("advisory", 800_000, consent=None)
    result = run(ledger)
    assert "at most ¥400,000 is payable" in in_words(consent_outlook(result, advisory(result)), "en")
    ledger = Ledger()
    ledger.add("investigation", 4_200_000)
    ledger.add("advisory", 800_000, consent=None)  # exactly what is left: consent makes all of it payable
    result = run(ledger)
    assert consent_outlook(result, advisory(result)) is None
    assert consent_outlook(result, next(x for x in result.lines.values() if x.category == "investigation")) is None


def test_what_is_left_of_each_limit_a_new_cost_would_draw_on():
    """Plan A: ③ investigation draws on the shared ②③④ limit (¥5,000,000) and the overall cost limit, per
    incident and per period, then the global cap. After ¥4,600,000 of ③ on case 1: ¥400,000 left of ②③④ (8 %:
    nearly used up), and on case 2 of the same policy the period's ②③④ has the same ¥400,000 left."""
    from hotline.coverage.engine import limits_left

    ledger = Ledger()
    ledger.add("investigation", 4_600_000)
    result = run(ledger, cases=[case(1), case(2)])
    shared = [r for r in limits_left(result, "advisory", 1) if r["limit_jpy"] == 5_000_000]
    assert [(r["remaining_jpy"], r["warn"]) for r in shared] == [(400_000, True), (400_000, True)]
    other_case = [r for r in limits_left(result, "advisory", 2) if r["limit_jpy"] == 5_000_000]
    assert [r["remaining_jpy"] for r in other_case] == [5_000_000, 400_000]  # its incident's, then the period's
    assert limits_left(result, "no.such.category", 1) == [] and limits_left(result, "advisory", 99) == []
    ledger.add("investigation", 400_000)
    rows = limits_left(run(ledger), "investigation", 1)
    assert rows[0]["remaining_jpy"] == 0 and rows[0]["warn"]
    assert [r["warn"] for r in rows if r["limit_jpy"] != 5_000_000] == [False] * (len(rows) - 2)


def advisory(result):
    return next(x for x in result.lines.values() if x.category == "advisory")
