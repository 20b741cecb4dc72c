"""The cost ledger and coverage API, and the pages (both databases)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from hotline.audit.models import AuditEvent
from hotline.i18n import render
from tests.support import jst, login, post_form

E1_LINES = [  # DOMAIN E.1, company A; E.2 reading 2 (lawyer fees as ④ advisory)
    {"category": "investigation", "amount_jpy": 1_000_000, "arose_on": "2026-04-12", "note": "被害状況の把握"},
    {"category": "investigation", "amount_jpy": 2_000_000, "arose_on": "2026-04-12", "note": "原因調査・証拠保全"},
    {"category": "other.consolation_individual", "amount_jpy": 1_500_000, "arose_on": "2026-05-01", "victims": 3000,
     "consent_ref": "TM-CONSENT-1"},
    {"category": "liability.damages", "amount_jpy": 30_000_000, "arose_on": "2026-06-01", "consent_ref": "TM-CONSENT-2"},
    {"category": "advisory", "amount_jpy": 3_000_000, "arose_on": "2026-05-01", "consent_ref": "TM-CONSENT-3"},
    {"category": "system_restoration", "amount_jpy": 3_000_000, "arose_on": "2026-05-02", "consent_ref": "TM-CONSENT-4"},
]


@pytest.fixture
def staff(factory, api_as):
    return api_as(factory.user("coordinator"))


def a_case(factory, plan="A", **facts):
    policy = factory.policy(plan=plan)
    values = {"attack_confirmed": "yes", "publication_made_at": jst(2026, 4, 12, 9, 0), **facts}
    return factory.case(policy, **values), policy


@pytest.mark.parametrize("plan,total,costs", [("A", 39_500_000, 9_500_000), ("B", 40_500_000, 10_500_000)])
def test_company_a_example_reads_the_e2_totals(factory, staff, plan, total, costs):
    case, _ = a_case(factory, plan)
    for body in E1_LINES:
        r = staff.post(f"/cases/{case.reference}/costs", json=body)
        assert r.status_code == 201, r.get_json()
        assert isinstance(r.get_json()["id"], int)
    cov = staff.get(f"/cases/{case.reference}/coverage").get_json()
    assert (cov["claimed_jpy"], cov["payable_jpy"]) == (40_500_000, total)
    paid_costs = sum(v["payable_jpy"] for k, v in cov["categories"].items() if not k.startswith("liability"))
    assert paid_costs == costs
    assert cov["categories"]["investigation"] == {"claimed_jpy": 3_000_000, "payable_jpy": 3_000_000}
    for line in cov["lines"]:
        assert set(line) >= {"id", "category", "claimed_jpy", "payable_jpy", "status", "reasons"}
        if line["payable_jpy"] < line["claimed_jpy"]:
            assert line["reasons"]
    advisory = next(x for x in cov["lines"] if x["category"] == "advisory")
    if plan == "A":
        assert advisory["status"] == "reduced"
        assert advisory["reasons"] == ["¥1,000,000 over the shared ②③④ limit of ¥5,000,000 for plan A (per incident)"]
    else:
        assert advisory["status"] == "payable"


def test_invalid_costs_are_422_with_the_field(factory, staff):
    case, _ = a_case(factory)
    url = f"/cases/{case.reference}/costs"
    cases = [({"category": "other.staff", "amount_jpy": -1, "arose_on": "2026-04-12"}, "amount_jpy"),
             ({"category": "ransom", "amount_jpy": 1, "arose_on": "2026-04-12"}, "category"),
             ({"category": "other.staff", "amount_jpy": 1, "arose_on": "12/04/2026"}, "arose_on"),
             ({"category": "other.staff", "amount_jpy": 1, "arose_on": "2026-04-12",
               "ordered_at": "2026-04-12T09:00:00"}, "ordered_at"),
             ({"category": "other.staff", "amount_jpy": "1000", "arose_on": "2026-04-12"}, "amount_jpy"),
             ({"amount_jpy": 1, "arose_on": "2026-04-12"}, "category")]
    for body, field in cases:
        r = staff.post(url, json=body)
        assert r.status_code == 422, body
        assert field in r.get_json()["error"]["fields"], r.get_json()


def test_insured_records_on_their_own_case_only(factory, api_as):
    case, policy = a_case(factory)
    other_case, _ = a_case(factory)
    insured = api_as(factory.user("insured", org=_org(factory, policy)))
    body = {"category": "other.staff", "amount_jpy": 50_000, "arose_on": "2026-04-15"}
    assert insured.post(f"/cases/{case.reference}/costs", json=body).status_code == 201
    assert insured.post(f"/cases/{other_case.reference}/costs", json=body).status_code == 404
    assert insured.get(f"/cases/{other_case.reference}/coverage").status_code == 404
    assert insured.get(f"/policies/{policy.id}/coverage").status_code == 200
    assert insured.get(f"/policies/{other_case.policy_id}/coverage").status_code == 404


def _org(factory, policy):
    from hotline.orgs.models import Organization

    return factory.s.get(Organization, policy.organization_id)


def test_edit_remove_and_consent_are_audited_and_change_coverage(factory, staff, db):
    case, _ = a_case(factory)
    url = f"/cases/{case.reference}/costs"
    line = staff.post(url, json={"category": "advisory", "amount_jpy": 800_000, "arose_on": "2026-04-20"}).get_json()
    assert any("prior written consent" in w for w in line["warnings"])
    cov = staff.get(f"/cases/{case.reference}/coverage").get_json()
    assert (cov["lines"][0]["status"], cov["lines"][0]["payable_jpy"]) == ("pending_consent", 0)

    r = staff.post(f"{url}/{line['id']}/consent", json={"consent_ref": "TM-2026-77", "consent_on": "2026-04-19"})
    assert r.status_code == 200 and r.get_json()["consent_ref"] == "TM-2026-77"
    cov = staff.get(f"/cases/{case.reference}/coverage").get_json()
    assert (cov["lines"][0]["status"], cov["lines"][0]["payable_jpy"]) == ("payable", 800_000)

    r = staff.patch(f"{url}/{line['id']}", json={"amount_jpy": 900_000, "note": "請求書で訂正"})
    assert r.status_code == 200 and r.get_json()["amount_jpy"] == 900_000
    assert staff.get(f"/cases/{case.reference}/coverage").get_json()["payable_jpy"] == 900_000
    assert staff.patch(f"{url}/{line['id']}", json={"amount_jpy": -5}).status_code == 422
    assert staff.patch(f"{url}/{line['id']}", json={"category": None}).status_code == 422

    assert staff.delete(f"{url}/{line['id']}").status_code == 200
    cov = staff.get(f"/cases/{case.reference}/coverage").get_json()
    assert (cov["claimed_jpy"], cov["lines"]) == (0, [])
    assert staff.get(url).get_json() == []
    assert len(staff.get(f"{url}?include_removed=1").get_json()) == 1
    assert staff.patch(f"{url}/{line['id']}", json={"note": "x"}).status_code == 404

    events = db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)).all()
    kinds = [(e.kind, e.field, e.old, e.new) for e in events if e.entity == "cost_line"]
    assert kinds == [("cost_recorded", "amount_jpy", None, "800000"),
                     ("consent_recorded", "consent_ref", None, "TM-2026-77"),
                     ("cost_changed", "amount_jpy", "800000", "900000"),
                     ("cost_changed", "note", "", "請求書で訂正"),
                     ("cost_removed", "amount_jpy", "900000", None)]


def test_other_company_line_ids_are_404(factory, staff):
    case, _ = a_case(factory)
    other, _ = a_case(factory)
    line = staff.post(f"/cases/{other.reference}/costs",
                      json={"category": "other.staff", "amount_jpy": 1, "arose_on": "2026-04-20"}).get_json()
    assert staff.patch(f"/cases/{case.reference}/costs/{line['id']}", json={"note": "x"}).status_code == 404
    assert staff.delete(f"/cases/{case.reference}/costs/{line['id']}").status_code == 404


def test_two_cases_share_the_period_limits_in_the_policy_view(factory, staff):
    policy = factory.policy(plan="A")
    first = factory.case(policy, attack_confirmed="yes")
    second = factory.case(policy, attack_confirmed="yes", first_discovered_at=jst(2026, 6, 1, 10),
                          reported_at=jst(2026, 6, 1, 11))
    staff.post(f"/cases/{first.reference}/costs", json={"category": "other.staff", "amount_jpy": 7_000_000,
                                                        "arose_on": "2026-04-20"})
    staff.post(f"/cases/{second.reference}/costs", json={"category": "other.staff", "amount_jpy": 7_000_000,
                                                         "arose_on": "2026-06-02"})
    cov = staff.get(f"/cases/{second.reference}/coverage").get_json()
    assert cov["payable_jpy"] == 3_000_000
    assert "per policy period" in cov["lines"][0]["reasons"][0]
    assert cov["policy_period"]["payable_jpy"] == 10_000_000
    view = staff.get(f"/policies/{policy.id}/coverage").get_json()
    assert (view["claimed_jpy"], view["payable_jpy"]) == (14_000_000, 10_000_000)
    assert [c["payable_jpy"] for c in view["cases"]] == [7_000_000, 3_000_000]
    overall = next(x for x in view["limits"] if x["key"] == "overall")
    assert (overall["used_jpy"], overall["remaining_jpy"]) == (10_000_000, 0)


def test_publication_turns_consolation_payable(factory, staff, db):
    case, _ = a_case(factory, publication_made_at=None)
    staff.post(f"/cases/{case.reference}/costs", json={"category": "other.consolation_individual",
                                                       "amount_jpy": 500_000, "victims": 1000, "arose_on": "2026-04-20",
                                                       "consent_ref": "TM-1"})
    line = staff.get(f"/cases/{case.reference}/coverage").get_json()["lines"][0]
    assert line["status"] == "pending_determination" and "I-3" in line["reasons"][0]
    case.publication_made_at = jst(2026, 4, 21, 9)
    db.add(case)
    db.commit()
    assert staff.get(f"/cases/{case.reference}/coverage").get_json()["lines"][0]["status"] == "payable"


def test_emergency_cost_before_notice_is_warned_and_breaks_the_rule(factory, staff):
    case, _ = a_case(factory, attack_confirmed="no")  # reported 2026-04-11 00:15 JST
    r = staff.post(f"/cases/{case.reference}/costs",
                   json={"category": "emergency_response", "amount_jpy": 1_000_000, "arose_on": "2026-04-10",
                         "ordered_at": "2026-04-10T23:50:00+09:00"})
    assert r.status_code == 201 and any("30-day" in w for w in r.get_json()["warnings"])
    cov = staff.get(f"/cases/{case.reference}/coverage").get_json()
    assert cov["thirty_day_rule"]["status"] == "broken"
    assert cov["lines"][0]["status"] == "not_covered"


def test_emergency_cost_after_a_late_notice_is_warned(factory, staff):
    # D0 2026-04-10: the window's last day is 05-10; told at 05-11 00:00, the first late instant
    case, _ = a_case(factory, attack_confirmed="no", reported_at=jst(2026, 5, 11, 0, 0))
    r = staff.post(f"/cases/{case.reference}/costs",
                   json={"category": "emergency_response", "amount_jpy": 1_000_000, "arose_on": "2026-05-12",
                         "ordered_at": "2026-05-12T09:00:00+09:00"})
    assert r.status_code == 201 and r.get_json()["warnings"] == [
        "The insurer was told after the last day 2026-05-10 of the 30-day window: only ① costs that arose "
        "2026-04-11 to 2026-05-10 are eligible (decision I-5)."]
    assert staff.get(f"/cases/{case.reference}/coverage").get_json()["lines"][0]["status"] == "not_covered"


def test_a_sompo_case_has_no_30_day_warning(factory, api_as, staff):
    """Sompo's cyber-incident response costs (its ① -like category) ordered before the hotline call, on a
    case opened through the API: only the adjuster warning, no 30-day rule in the coverage."""
    policy = factory.policy(product="sj-cyber-2018", plan="individual")
    r = api_as(factory.user("operator")).post("/cases", json={
        "policy_id": policy.id, "first_discovered_at": "2026-04-10T23:30:00+09:00",
        "reported_at": "2026-05-11T00:00:00+09:00", "summary": "不審な通信を検知", "attack_confirmed": "no"})
    ref = r.get_json()["reference"]
    for ordered in ("2026-04-10T23:50:00+09:00", "2026-05-11T00:00:00+09:00"):  # before, and at the notice
        r = staff.post(f"/cases/{ref}/costs", json={"category": "cyber_incident_response", "amount_jpy": 500_000,
                                                    "arose_on": ordered[:10], "ordered_at": ordered})
        assert r.status_code == 201 and r.get_json()["warnings"] == [
            "The limits of this product are not known: the line will show as pending for the adjuster."]
    r = staff.post(f"/cases/{ref}/costs", json={"category": "cyber_incident_response", "amount_jpy": 1,
                                                "arose_on": "2026-05-11"})  # the notice's date, no order time
    assert len(r.get_json()["warnings"]) == 1
    assert staff.get(f"/cases/{ref}/coverage").get_json()["thirty_day_rule"] is None


def test_the_cost_form_speaks_of_the_30_day_rule_only_for_a_product_that_has_it(factory, client):
    login(client, factory.user("coordinator"))
    for product, plan, shown in (("tm-juas-2026", "A", True), ("sj-cyber-2018", "individual", False)):
        case = factory.case(factory.policy(product=product, plan=plan))
        path = f"/cases/{case.reference}/costs/new"
        for lang, words in (("en", "30-day rule"), ("ja", "30日ルール")):
            page = client.get(path, headers={"Accept-Language": lang}).get_data(as_text=True)
            assert (words in page) is shown and ('name="ordered_at"' in page) is shown
        category = "emergency_response" if shown else "cyber_incident_response"
        r = post_form(client, path, {"category": category, "amount_jpy": "100", "arose_on": "2026-04-10"})
        assert r.status_code == 422 and ("30-day" in r.get_data(as_text=True)) is shown  # ordered before notice


def test_pending_line_summaries_for_the_closure_guard(factory, staff, db):
    from hotline.costs.service import pending_line_summaries

    case, _ = a_case(factory)
    staff.post(f"/cases/{case.reference}/costs", json={"category": "system_restoration", "amount_jpy": 400_000,
                                                       "arose_on": "2026-04-20"})
    staff.post(f"/cases/{case.reference}/costs", json={"category": "other.staff", "amount_jpy": 1,
                                                       "arose_on": "2026-04-20"})
    summaries = [render(s, "en") for s in pending_line_summaries(db, case.id)]
    assert len(summaries) == 1
    assert summaries[0].startswith("Cost line") and "⑤ Computer-system restoration" in summaries[0]
    assert "pending consent" in summaries[0]


def test_sompo_policy_lines_refer_to_the_adjuster(factory, staff):
    policy = factory.policy(product="sj-cyber-2018", plan="individual")
    case = factory.case(policy)
    r = staff.post(f"/cases/{case.reference}/costs", json={"category": "special_response", "amount_jpy": 2_000_000,
                                                           "arose_on": "2026-04-20"})
    assert r.status_code == 201
    cov = staff.get(f"/cases/{case.reference}/coverage").get_json()
    assert cov["lines"][0]["status"] == "pending_determination"
    assert cov["lines"][0]["reasons"] == ["limits not known: refer to the adjuster"]
    assert (cov["claimed_jpy"], cov["payable_jpy"]) == (2_000_000, 0)


def test_catalogue_category_lookup_for_other_domains():
    from hotline.products.catalogue import get_product

    product = get_product("tm-juas-2026")
    advisory = product.category("advisory")
    assert (advisory.code, advisory.name, advisory.consent_required) == ("advisory", "Advisory costs", True)
    assert render(advisory.label, "ja") == "④ 相談費用"  # the brochure's name, from the one catalogue
    assert product.category("investigation").consent_required is False
    assert product.category("nope") is None
    assert {c.code for c in product.categories} >= {"emergency_response", "other.public_investigation_consulting",
                                                    "liability.cooperation", "bodily_injury_consolation"}


# --- pages ----------------------------------------------------------------------------------------------------
def test_cost_form_warns_then_records_and_coverage_page_shows_it(factory, client):
    case, _ = a_case(factory)
    user = factory.user("coordinator")
    login(client, user)
    path = f"/cases/{case.reference}/costs/new"
    page = client.get(path, headers={"Accept-Language": "ja"})
    assert page.status_code == 200 and "相談費用" in page.get_data(as_text=True)
    r = post_form(client, path, {"category": "advisory", "amount_jpy": "1,200,000", "arose_on": "2026-04-20"})
    assert r.status_code == 422 and "prior written consent" in r.get_data(as_text=True)
    assert 'value="1,200,000"' in r.get_data(as_text=True)  # nothing typed is lost
    r = post_form(client, path, {"category": "advisory", "amount_jpy": "1,200,000", "arose_on": "2026-04-20",
                                 "confirm_warnings": "on"})
    assert r.status_code == 302
    page = client.get(f"/cases/{case.reference}/coverage").get_data(as_text=True)
    assert "¥1,200,000" in page and "pending consent" in page
    r = post_form(client, path, {"category": "other.staff", "amount_jpy": "-3", "arose_on": "2026-04-20"})
    assert r.status_code == 422 and 'value="-3"' in r.get_data(as_text=True)


def test_policy_period_page(factory, client):
    case, policy = a_case(factory)
    login(client, factory.user("operator"))
    page = client.get(f"/policies/{policy.id}/coverage", headers={"Accept-Language": "ja"})
    assert page.status_code == 200 and case.reference in page.get_data(as_text=True)


def test_demo_shows_the_e2_totals_on_plans_a_and_b(app, db):
    from hotline import demo
    from hotline.cases.models import Case
    from hotline.costs.demo import SUMMARY
    from hotline.costs.service import policy_coverage
    from hotline.orgs.models import Policy

    with app.app_context():
        demo.load(db, hash_method="pbkdf2:sha256:1000")
        demo.load(db, hash_method="pbkdf2:sha256:1000")  # twice adds nothing
    for plan, total in (("A", 39_500_000), ("B", 40_500_000)):
        cases = db.exec(select(Case).where(Case.summary == SUMMARY.format(plan=plan))).all()
        assert len(cases) == 1
        policy = db.get(Policy, cases[0].policy_id)
        result = policy_coverage(db, policy).cases[cases[0].id]
        assert (result.claimed_jpy, result.payable_jpy) == (40_500_000, total)


def test_case_page_has_the_coverage_section(factory, client, staff):
    case, _ = a_case(factory)
    staff.post(f"/cases/{case.reference}/costs", json={"category": "other.staff", "amount_jpy": 250_000,
                                                       "arose_on": "2026-04-20"})
    login(client, factory.user("operator"))
    page = client.get(f"/cases/{case.reference}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "費用と補償" in page and "¥250,000" in page


def test_kept_and_updated_results_match_a_fresh_computation(factory, staff, db, monkeypatch):
    """Coverage is kept per process and brought up to date from the changed lines alone (engine.update) when
    lines are added, back-dated, edited, removed or consented; it must always equal a computation from scratch."""
    from hotline.cases.models import FACT_COLUMNS, Case, facts_of
    from hotline.costs import service
    from hotline.coverage.engine import CostItem, compute

    case, policy = a_case(factory, attack_confirmed="no", discovery_source="public_body")
    url = f"/cases/{case.reference}/costs"
    full, updates = [], []
    real_compute, real_update = service.compute, service.update
    monkeypatch.setattr(service, "compute", lambda *a, **kw: full.append(1) or real_compute(*a, **kw))
    monkeypatch.setattr(service, "update", lambda prev, added, removed: updates.append(
        (sorted(x.id for x in added), sorted(removed))) or real_update(prev, added=added, removed=removed))

    def check():
        kept = staff.get(f"/cases/{case.reference}/coverage").get_json()
        lines = [CostItem(*row) for row in db.execute(service._line_query(service.product_of(policy), policy.id))]
        facts = facts_of(db.execute(select(*FACT_COLUMNS).where(Case.id == case.id)).one())
        fresh = compute(service.product_of(policy), policy.plan, [facts], lines,
                        period=(policy.period_start, policy.period_end))
        assert kept["payable_jpy"] == fresh.payable_jpy
        assert [(x["id"], x["payable_jpy"], x["status"]) for x in kept["lines"]] == \
            [(x.id, x.payable_jpy, x.status) for x in fresh.cases[case.id].lines]
        return kept

    first = staff.post(url, json={"category": "attack_response", "amount_jpy": 3_000_000, "arose_on": "2026-04-12"})
    check()
    assert len(full) == 1  # the first read computes
    second = staff.post(url, json={"category": "attack_response", "amount_jpy": 3_000_000, "arose_on": "2026-04-13"})
    assert check()["payable_jpy"] == 5_000_000  # appended after the others: G1 plan A
    early = staff.post(url, json={"category": "attack_response", "amount_jpy": 1_000_000, "arose_on": "2026-04-11"})
    assert check()["payable_jpy"] == 5_000_000  # an earlier date: the new line served first
    staff.post(url, json={"category": "emergency_response", "amount_jpy": 1_000_000, "arose_on": "2026-04-20",
                          "ordered_at": "2026-04-20T09:00:00+09:00"})
    assert check()["payable_jpy"] == 5_900_000
    staff.patch(f"{url}/{first.get_json()['id']}", json={"amount_jpy": 500_000})
    assert check()["payable_jpy"] == 5_400_000  # 1,000,000 + 500,000 + 3,000,000 of G1; ① 900,000
    staff.delete(f"{url}/{early.get_json()['id']}")
    check()
    advice = staff.post(url, json={"category": "advisory", "amount_jpy": 2_000_000, "arose_on": "2026-04-12"})
    assert check()["lines"][1]["status"] == "not_covered"  # ④ on a false alarm (I-9), consent or not
    staff.post(f"{url}/{advice.get_json()['id']}/consent", json={"consent_ref": "TM-2026-7"})
    check()
    ids = [x.get_json()["id"] for x in (first, second, early, advice)]
    assert len(full) == 1  # every change was an update, never a full computation
    assert [u for u in updates if u[0] or u[1]] == [
        ([ids[1]], []), ([ids[2]], []), ([ids[2] + 1], []), ([ids[0]], []), ([], [ids[2]]), ([ids[3]], []),
        ([ids[3]], [])]
