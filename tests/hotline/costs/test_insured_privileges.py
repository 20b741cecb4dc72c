"""Issue 14: what an insured may write on a cost line, and the links a line may hold (both databases).

Only the hotline records the insurer's written consent: on the API, on the insured's form and on the staff form
posted by an insured, an insured's cost is recorded without it and the answer says so; the consent-required line
stays pending (¥0) and the dispatch consent warning still stands."""
from __future__ import annotations

import pytest
from sqlmodel import select

from hotline.audit.models import AuditEvent
from hotline.costs.models import CostLine
from tests.hotline.dispatch.test_dispatch import add_vendor
from tests.support import csrf_from, jst, login

RESTORATION = {"category": "system_restoration", "amount_jpy": 1_000_000, "arose_on": "2026-04-12",
               "consent_ref": "TM-FORGED", "consent_on": "2026-04-11"}


@pytest.fixture
def world(factory, api_as):
    policy = factory.policy(plan="A")
    case = factory.case(policy, attack_confirmed="yes", publication_made_at=jst(2026, 4, 12, 9, 0))
    insured = factory.user("insured", _org_of(factory, policy))
    return {"case": case, "policy": policy, "insured": insured, "ins": api_as(insured),
            "coord": api_as(factory.user("coordinator"))}


def _org_of(factory, policy):
    from hotline.orgs.models import Organization

    return factory.s.get(Organization, policy.organization_id)


def _line(coverage: dict, line_id: int) -> dict:
    return next(x for x in coverage["lines"] if x["id"] == line_id)


def test_an_insureds_consent_ref_on_the_api_is_not_recorded_and_the_answer_says_so(world, db):
    ref = world["case"].reference
    r = world["ins"].post(f"/cases/{ref}/costs", json=RESTORATION)
    assert r.status_code == 201, r.get_json()
    line = r.get_json()
    assert line["consent_ref"] is None and line["consent_on"] is None
    assert set(line["ignored_fields"]) == {"consent_ref", "consent_on"}
    assert "only the hotline records the insurer's consent" in line["ignored_fields"]["consent_ref"]
    assert any("prior written consent" in w for w in line["warnings"])
    # ⑤ ¥1,000,000 stays pending consent, ¥0, as the probe would have shown.
    cov = world["ins"].get(f"/cases/{ref}/coverage").get_json()
    assert (_line(cov, line["id"])["status"], _line(cov, line["id"])["payable_jpy"]) == ("pending_consent", 0)
    assert db.get(CostLine, line["id"]).consent_ref is None
    assert not db.exec(select(AuditEvent).where(AuditEvent.kind == "consent_recorded")).all()
    # The hotline records it: now payable in full (⑤ within plan A's limits).
    assert world["coord"].post(f"/cases/{ref}/costs/{line['id']}/consent",
                               json={"consent_ref": "TM-2026-1", "consent_on": "2026-04-13"}).status_code == 200
    cov = world["coord"].get(f"/cases/{ref}/coverage").get_json()
    assert (_line(cov, line["id"])["status"], _line(cov, line["id"])["payable_jpy"]) == ("payable", 1_000_000)


def test_staff_still_record_a_consent_with_the_line(world):
    r = world["coord"].post(f"/cases/{world['case'].reference}/costs", json=RESTORATION)
    assert r.status_code == 201 and r.get_json()["consent_ref"] == "TM-FORGED" and r.get_json()["ignored_fields"] == {}


def test_an_insured_may_not_change_or_record_a_consent_on_any_other_path(world):
    ref = world["case"].reference
    line = world["ins"].post(f"/cases/{ref}/costs", json={**RESTORATION, "consent_ref": None, "consent_on": None}
                             ).get_json()
    assert world["ins"].patch(f"/cases/{ref}/costs/{line['id']}", json={"consent_ref": "X"}).status_code == 403
    assert world["ins"].post(f"/cases/{ref}/costs/{line['id']}/consent", json={"consent_ref": "X"}).status_code == 403


def test_an_insured_posting_the_staff_cost_form_or_their_own_with_a_consent_records_none(world, app, db):
    ref = world["case"].reference
    client = app.test_client()
    login(client, world["insured"])
    token = csrf_from(client, f"/incidents/{ref}")
    form = {"category": "system_restoration", "amount_jpy": "1,000,000", "arose_on": "2026-04-12",
            "consent_ref": "TM-FORGED", "consent_on": "2026-04-11", "csrf_token": token, "confirm_warnings": "on"}
    r = client.post(f"/cases/{ref}/costs/new", data=form, headers={"Accept-Language": "ja"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"], headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "保険会社の同意は記録されませんでした" in page
    r = client.post(f"/incidents/{ref}/costs/new", data=form)
    assert r.status_code == 302
    lines = db.exec(select(CostLine).where(CostLine.case_id == world["case"].id)).all()
    assert len(lines) == 2 and all(x.consent_ref is None and x.consent_on is None for x in lines)


def test_an_insureds_consent_does_not_silence_the_dispatch_consent_warning(world, factory, api_as):
    case = factory.case(world["policy"], attack_confirmed="yes")
    ref = case.reference
    assert world["ins"].post(f"/cases/{ref}/costs", json=RESTORATION).status_code == 201
    vendor = add_vendor(world["coord"], "復旧社", caps=("data_recovery",))
    body = {"vendor_id": vendor["id"], "capability": "data_recovery", "brief": "NAS復旧"}
    r = world["coord"].post(f"/cases/{ref}/dispatches", json=body)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "warnings"
    assert any("consent" in w for w in r.get_json()["error"]["warnings"])


def test_a_line_points_only_at_an_existing_vendor_and_at_a_dispatch_of_its_own_case(world, factory):
    coord = world["coord"]
    other = factory.case(factory.policy(), attack_confirmed="yes")
    vendor = add_vendor(coord, "他社案件の業者")
    dispatch = coord.post(f"/cases/{other.reference}/dispatches", json={
        "vendor_id": vendor["id"], "capability": "forensics", "brief": "x", "override_warnings": True}).get_json()
    ref = world["case"].reference
    base = {"category": "investigation", "amount_jpy": 100, "arose_on": "2026-04-12"}
    for extra, field in (({"dispatch_id": dispatch["id"]}, "dispatch_id"), ({"vendor_id": 999_999}, "vendor_id"),
                         ({"dispatch_id": 999_999}, "dispatch_id"), ({"arose_on": "0001-01-01"}, "arose_on"),
                         ({"arose_on": "9999-12-31"}, "arose_on")):
        r = coord.post(f"/cases/{ref}/costs", json={**base, **extra})
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (extra, r.get_json())
    line = coord.post(f"/cases/{ref}/costs", json={**base, "vendor_id": vendor["id"]}).get_json()
    r = coord.patch(f"/cases/{ref}/costs/{line['id']}", json={"dispatch_id": dispatch["id"]})
    assert r.status_code == 422 and "dispatch_id" in r.get_json()["error"]["fields"]
    own = coord.post(f"/cases/{ref}/dispatches", json={
        "vendor_id": vendor["id"], "capability": "forensics", "brief": "y", "override_warnings": True}).get_json()
    assert coord.patch(f"/cases/{ref}/costs/{line['id']}", json={"dispatch_id": own["id"]}).status_code == 200
