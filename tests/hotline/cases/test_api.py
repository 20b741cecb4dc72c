"""Case intake and the deadlines over HTTP: the contract of shared/API.md (cases, deadlines)."""
import datetime as dt
import re
import threading

import pytest
from sqlmodel import Session, select

from hotline.audit.models import AuditEvent
from hotline.cases.models import Case
from hotline.db import utcnow
from hotline.deadlines.models import Deadline
from hotline.deadlines.service import open_deadline_summaries
from hotline.i18n import render
from tests.support import jst, login


def body(policy, **kw):
    return {"policy_id": policy.id, "first_discovered_at": "2026-04-10T23:30:00+09:00",
            "reported_at": "2026-04-11T00:15:00+09:00", "summary": "不審な通信を検知", **kw}


@pytest.fixture
def operator(factory):
    return factory.user("operator")


def by_kind(rows):
    return {d["kind"]: d for d in rows}


def test_intake_returns_the_case_with_its_deadlines(factory, api_as, operator):
    policy = factory.policy()
    r = api_as(operator).post("/cases", json=body(policy, personal_records_affected=20, card_data=True,
                                                   contact_phone="+819012345678", caller_name="山田太郎"))
    assert r.status_code == 201, r.get_json()
    case = r.get_json()
    assert re.fullmatch(r"CY-\d{4}-\d{6}", case["reference"])
    assert case["first_discovered_at"] == "2026-04-10T23:30:00+09:00"
    assert case["reported_at"] == "2026-04-11T00:15:00+09:00"
    assert case["card_data"] is True and case["attack_confirmed"] == "unknown" and case["phase"] == "intake"
    assert case["outside_policy_period"] is False and case["created_at"].endswith("+09:00")
    d = by_kind(case["deadlines"])
    assert set(d) == {"insurer_emergency_notice", "appi_preliminary", "appi_final", "gdpr_authority",
                      "card_brand_report", "pmark_report"}
    assert d["insurer_emergency_notice"] == {**d["insurer_emergency_notice"], "status": "met",
                                             "last_day": "2026-05-10", "due_at": "2026-05-11T00:00:00+09:00",
                                             "met_at": "2026-04-11T00:15:00+09:00"}
    # discovered 04-10 (JST), long ago now: open deadlines from then are missed, not open
    assert d["appi_final"]["last_day"] == "2026-05-11" and d["appi_final"]["status"] == "missed"
    assert d["card_brand_report"]["last_day"] == "2026-04-15"
    assert d["gdpr_authority"] == {**d["gdpr_authority"], "status": "not_applicable", "due_at": None,
                                   "last_day": None, "met_at": None}
    assert "I-10" in d["appi_final"]["rule"]
    again = api_as(operator).get(f"/cases/{case['reference']}/deadlines").get_json()
    assert by_kind(again) == d


def test_reported_at_defaults_to_now_and_deadlines_are_open(factory, api_as, operator):
    discovered = utcnow() - dt.timedelta(hours=5)
    r = api_as(operator).post("/cases", json={"policy_id": factory.policy(end=jst(2099, 1, 1)).id,
                                              "first_discovered_at": discovered.isoformat(),
                                              "summary": "x", "eu_data_subjects": True})
    assert r.status_code == 201, r.get_json()
    case = r.get_json()
    reported = dt.datetime.fromisoformat(case["reported_at"])
    assert abs((reported - utcnow()).total_seconds()) < 10
    gdpr = by_kind(case["deadlines"])["gdpr_authority"]
    assert gdpr["status"] == "open"
    assert dt.datetime.fromisoformat(gdpr["due_at"]) == (discovered + dt.timedelta(hours=72)).replace(microsecond=
                                                                                                    discovered.microsecond)


BAD_INTAKE = [
    ({"first_discovered_at": "2099-01-01T00:00:00+09:00", "reported_at": None}, "first_discovered_at"),
    ({"first_discovered_at": "2026-04-11T00:16:00+09:00"}, "first_discovered_at"),  # after reported_at
    ({"first_discovered_at": "2026-04-10T23:30:00"}, "first_discovered_at"),  # no offset
    ({"reported_at": "2026-04-11T00:15:00"}, "reported_at"),
    ({"reported_at": "2099-01-01T00:00:00+09:00"}, "reported_at"),
    ({"policy_id": 999999}, "policy_id"),
    ({"summary": "   "}, "summary"),
    ({"personal_records_affected": -1}, "personal_records_affected"),
    ({"contact_phone": "090-1234-5678"}, "contact_phone"),
    ({"attack_confirmed": "maybe"}, "attack_confirmed"),
    ({"appi_known_at": "2026-04-01T00:00:00+09:00"}, "appi_known_at"),  # before first discovery
    ({"coordinator_id": 999999}, "coordinator_id"),
    ({"surprise": 1}, "surprise"),
]


def test_intake_refuses_bad_input_with_422(factory, api_as, operator, db):
    api, policy = api_as(operator), factory.policy()
    for change, field in BAD_INTAKE:
        payload = {k: v for k, v in {**body(policy), **change}.items() if v is not None}
        r = api.post("/cases", json=payload)
        assert r.status_code == 422, (change, r.get_json())
        assert field in r.get_json()["error"]["fields"], (change, r.get_json())
    assert db.exec(select(Case)).all() == []


def test_discovery_outside_the_policy_period_is_accepted_and_flagged(factory, api_as, operator):
    policy = factory.policy(start=jst(2026, 5, 1, 16, 0))  # mid-term enrolment: cover from 05-01 16:00 JST
    r = api_as(operator).post("/cases", json=body(policy, first_discovered_at="2026-05-01T15:59:00+09:00",
                                                   reported_at="2026-05-02T09:00:00+09:00"))
    assert r.status_code == 201 and r.get_json()["outside_policy_period"] is True
    r = api_as(operator).post("/cases", json=body(policy, first_discovered_at="2026-05-01T16:00:00+09:00",
                                                   reported_at="2026-05-02T09:00:00+09:00"))
    assert r.get_json()["outside_policy_period"] is False


def test_patch_recomputes_deadlines_with_audit_old_to_new(factory, api_as, operator, db):
    api = api_as(operator)
    ref = api.post("/cases", json=body(factory.policy(), personal_records_affected=20,
                                        sensitive_data=True)).get_json()["reference"]
    before = by_kind(api.get(f"/cases/{ref}/deadlines").get_json())
    assert before["appi_final"]["last_day"] == "2026-05-11"  # 30 days, rolled from Sat 05-09
    r = api.patch(f"/cases/{ref}", json={"malicious": True, "eu_data_subjects": True})
    assert r.status_code == 200, r.get_json()
    after = by_kind(r.get_json()["deadlines"])
    assert after["appi_final"]["last_day"] == "2026-06-08"  # 60 days for a wrongful purpose
    assert after["gdpr_authority"]["due_at"] == "2026-04-13T23:30:00+09:00"
    case = db.exec(select(Case).where(Case.reference == ref)).one()
    events = db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)).all()
    facts = {(e.field, e.old, e.new) for e in events if e.kind == "fact_changed"}
    assert facts == {("malicious", "false", "true"), ("eu_data_subjects", "false", "true")}
    moved = {e.field: (e.old, e.new) for e in events if e.kind == "deadline_changed"}
    assert moved["appi_final"] == ("missed, last day 2026-05-11, due 2026-05-12T00:00:00+09:00",
                                   "missed, last day 2026-06-08, due 2026-06-09T00:00:00+09:00")
    assert moved["gdpr_authority"] == ("not_applicable", "missed, due 2026-04-13T23:30:00+09:00")
    # moving the discovery moves the insurer notice too; the timeline says so
    r = api.patch(f"/cases/{ref}", json={"first_discovered_at": "2026-04-10T08:30:00+09:00"})
    assert by_kind(r.get_json()["deadlines"])["insurer_emergency_notice"]["last_day"] == "2026-05-10"
    r = api.patch(f"/cases/{ref}", json={"first_discovered_at": "2026-04-09T08:30:00+09:00"})
    assert by_kind(r.get_json()["deadlines"])["insurer_emergency_notice"]["last_day"] == "2026-05-09"


SOMPO_RULE = ("Not applicable: the policy's product (sj-cyber-2018) has no 30-day notice rule for "
              "emergency-response costs.")


def test_a_sompo_case_has_no_insurer_notice_deadline(factory, api_as, operator, client):
    """sj-cyber-2018 has no 30-day rule in its data: the insurer notice does not apply, and says why."""
    api = api_as(operator)
    late = {"reported_at": "2026-05-11T00:00:00+09:00"}  # after day 30: a TM case would have missed it
    tm = by_kind(api.post("/cases", json=body(factory.policy(), **late)).get_json()["deadlines"])
    assert tm["insurer_emergency_notice"]["status"] == "missed"
    r = api.post("/cases", json=body(factory.policy(product="sj-cyber-2018", plan="individual"), **late))
    assert r.status_code == 201, r.get_json()
    sompo = by_kind(r.get_json()["deadlines"])
    assert sompo["insurer_emergency_notice"] == {
        "kind": "insurer_emergency_notice", "status": "not_applicable", "due_at": None, "last_day": None,
        "met_at": None, "starts_at": None, "rule": SOMPO_RULE}
    assert {k: v["status"] for k, v in sompo.items() if k != "insurer_emergency_notice"} == \
        {k: v["status"] for k, v in tm.items() if k != "insurer_emergency_notice"}  # the regulators' clocks stay
    ref = r.get_json()["reference"]
    assert by_kind(api.get(f"/cases/{ref}/deadlines").get_json())["insurer_emergency_notice"]["rule"] == SOMPO_RULE
    login(client, operator)
    page = client.get(f"/cases/{ref}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "対象外：契約の保険商品（sj-cyber-2018）には緊急対応費用の30日ルールがありません。" in page


def test_moving_a_case_to_a_policy_without_the_rule_recomputes_the_notice(factory, api_as, operator, db):
    api = api_as(operator)
    tm_policy = factory.policy()
    sompo_policy = factory.policy(product="sj-cyber-2018", plan="individual")
    ref = api.post("/cases", json=body(tm_policy)).get_json()["reference"]
    r = api.patch(f"/cases/{ref}", json={"policy_id": sompo_policy.id})
    assert r.status_code == 200
    assert by_kind(r.get_json()["deadlines"])["insurer_emergency_notice"]["status"] == "not_applicable"
    case = db.exec(select(Case).where(Case.reference == ref)).one()
    moved = [(e.old, e.new) for e in db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                                      AuditEvent.kind == "deadline_changed"))]
    assert moved == [("met, last day 2026-05-10, due 2026-05-11T00:00:00+09:00, met 2026-04-11T00:15:00+09:00",
                      "not_applicable")]
    back = by_kind(api.patch(f"/cases/{ref}", json={"policy_id": tm_policy.id}).get_json()["deadlines"])
    assert back["insurer_emergency_notice"] == {**back["insurer_emergency_notice"], "status": "met",
                                                "last_day": "2026-05-10", "due_at": "2026-05-11T00:00:00+09:00"}


def test_patch_refuses_bad_changes(factory, api_as, operator):
    api = api_as(operator)
    ref = api.post("/cases", json=body(factory.policy())).get_json()["reference"]
    assert api.patch(f"/cases/{ref}", json={"summary": None}).status_code == 422
    r = api.patch(f"/cases/{ref}", json={"reported_at": "2026-04-10T23:00:00+09:00"})  # before discovery
    assert r.status_code == 422 and "first_discovered_at" in r.get_json()["error"]["fields"]
    assert api.patch("/cases/CY-2026-999999", json={"summary": "x"}).status_code == 404


def test_recording_a_report_meets_the_deadline(factory, api_as, operator, db):
    api = api_as(operator)
    discovered = utcnow() - dt.timedelta(hours=10)
    ref = api.post("/cases", json={"policy_id": factory.policy(end=jst(2099, 1, 1)).id, "summary": "x",
                                   "first_discovered_at": discovered.isoformat(), "eu_data_subjects": True,
                                   "card_data": True}).get_json()["reference"]
    made = (utcnow() - dt.timedelta(minutes=5)).replace(microsecond=0)
    r = api.post(f"/cases/{ref}/deadlines/gdpr_authority/met", json={"met_at": made.isoformat()})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "met" and dt.datetime.fromisoformat(r.get_json()["met_at"]) == made
    assert by_kind(api.get(f"/cases/{ref}").get_json()["deadlines"])["gdpr_authority"]["status"] == "met"
    case = db.exec(select(Case).where(Case.reference == ref)).one()
    assert db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                            AuditEvent.kind == "deadline_met")).one().field == "gdpr_authority"
    # a fact change keeps the recorded report
    api.patch(f"/cases/{ref}", json={"summary": "更新"})
    assert by_kind(api.get(f"/cases/{ref}/deadlines").get_json())["gdpr_authority"]["status"] == "met"
    # refusals
    assert api.post(f"/cases/{ref}/deadlines/insurer_emergency_notice/met",
                    json={"met_at": made.isoformat()}).status_code == 422
    assert api.post(f"/cases/{ref}/deadlines/pmark_report/met", json={"met_at": made.isoformat()}).status_code == 422
    assert api.post(f"/cases/{ref}/deadlines/nonsense/met", json={"met_at": made.isoformat()}).status_code == 404
    r = api.post(f"/cases/{ref}/deadlines/card_brand_report/met", json={"met_at": "2099-01-01T00:00:00+09:00"})
    assert r.status_code == 422 and "met_at" in r.get_json()["error"]["fields"]
    assert api.post(f"/cases/{ref}/deadlines/card_brand_report/met",
                    json={"met_at": "2026-04-12T10:00:00"}).status_code == 422  # no offset


def test_a_late_report_stays_missed_with_met_at(factory, api_as, operator):
    api = api_as(operator)
    ref = api.post("/cases", json=body(factory.policy(), card_data=True)).get_json()["reference"]
    r = api.post(f"/cases/{ref}/deadlines/card_brand_report/met", json={"met_at": "2026-04-16T00:00:00+09:00"})
    assert r.get_json()["status"] == "missed" and r.get_json()["met_at"] == "2026-04-16T00:00:00+09:00"
    r = api.post(f"/cases/{ref}/deadlines/card_brand_report/met", json={"met_at": "2026-04-15T23:59:00+09:00"})
    assert r.get_json()["status"] == "met"  # corrected: made on the last day


def test_open_deadline_summaries_for_the_close_guard(factory, api_as, operator, db):
    api = api_as(operator)
    discovered = utcnow() - dt.timedelta(hours=2)
    ref = api.post("/cases", json={"policy_id": factory.policy(end=jst(2099, 1, 1)).id, "summary": "x",
                                   "first_discovered_at": discovered.isoformat(), "eu_data_subjects": True,
                                   "personal_records_affected": 5, "sensitive_data": True}).get_json()["reference"]
    case = db.exec(select(Case).where(Case.reference == ref)).one()
    lines = [render(s, "en") for s in open_deadline_summaries(db, case.id)]
    assert len(lines) == 3 and lines[0].startswith("GDPR notification")  # 72 h is the nearest
    assert any(line.startswith("APPI final report") for line in lines)
    api.post(f"/cases/{ref}/deadlines/gdpr_authority/met", json={"met_at": utcnow().isoformat()})
    db.expire_all()
    assert len(open_deadline_summaries(db, case.id)) == 2


def test_list_cases_scoped_and_filtered(factory, api_as, operator):
    org, other = factory.org(), factory.org()
    api = api_as(operator)
    own_ref = api.post("/cases", json=body(factory.policy(org))).get_json()["reference"]
    other_ref = api.post("/cases", json=body(factory.policy(other))).get_json()["reference"]
    insured = api_as(factory.user("insured", org))
    assert [c["reference"] for c in insured.get("/cases").get_json()] == [own_ref]
    assert insured.get(f"/cases/{other_ref}").status_code == 404
    assert insured.get(f"/cases/{own_ref}/deadlines").status_code == 200
    assert insured.patch(f"/cases/{own_ref}", json={"summary": "x"}).status_code == 403
    refs = {c["reference"] for c in api.get("/cases?status=open").get_json()}
    assert {own_ref, other_ref} <= refs
    assert api.get("/cases?status=closed").get_json() == []
    assert api.get("/cases?status=bogus").status_code == 422
    assert [c["reference"] for c in api.get(f"/cases?organization_id={other.id}").get_json()] == [other_ref]


def test_concurrent_intake_gives_distinct_references(app, factory, operator):
    """16 intakes at the same moment, each through its own connection (threads; on PostgreSQL too)."""
    policy = factory.policy()
    token = factory.token(operator)
    start, refs, errors = threading.Barrier(16), [], []

    def intake():
        client = app.test_client()
        start.wait()
        r = client.post("/api/v1/cases", json=body(policy), headers={"Authorization": f"Bearer {token}"})
        (refs if r.status_code == 201 else errors).append(r.get_json().get("reference", r.get_json()))

    threads = [threading.Thread(target=intake) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(refs) == 16 and len(set(refs)) == 16
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in refs)
    assert numbers == list(range(1, 17))  # the counter never skips nor repeats


def test_deadlines_of_a_case_made_without_intake_are_computed_on_first_read(factory, api_as, operator, app):
    case = factory.case(personal_records_affected=3, sensitive_data=True)
    rows = api_as(operator).get(f"/cases/{case.reference}/deadlines").get_json()
    assert by_kind(rows)["appi_final"]["last_day"] == "2026-05-11"
    with Session(app.extensions["hotline.engine"]) as s:
        assert len(s.exec(select(Deadline).where(Deadline.case_id == case.id)).all()) == 6


def test_openapi_documents_the_case_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"post", "get"} <= set(doc["paths"]["/cases"])
    assert "post" in doc["paths"]["/cases/{reference}/deadlines/{kind}/met"]
    assert "Deadline" in doc["components"]["schemas"] and "CaseIn" in doc["components"]["schemas"]
