"""Issue 14: a closed case refuses costs, fact changes, reports and notes (409 case_closed, a page message) until
a coordinator reopens it with a reason; and a task's owner is staff or a user of the case's own company."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from hotline.audit.models import AuditEvent
from hotline.cases.models import Case
from hotline.costs.models import CostLine
from hotline.orgs.models import Organization
from hotline.outbox.models import OutboxMessage
from hotline.phases import service
from hotline.phases.models import CaseTask
from tests.hotline.phases.test_api import finish_closure_tasks, move, walk_to_closure
from tests.support import csrf_from, login, post_form

COST = {"category": "investigation", "amount_jpy": 100_000, "arose_on": "2026-04-12"}


@pytest.fixture
def coordinator(factory):
    return factory.user("coordinator")


@pytest.fixture
def api(api_as, coordinator):
    return api_as(coordinator)


def test_a_closed_case_refuses_costs_changes_reports_and_notes_with_409(api, factory, db):
    case = factory.case()
    line = api.post(f"/cases/{case.reference}/costs", json=COST).get_json()
    db.get(Case, case.id).status = "closed"
    db.commit()
    ref = case.reference
    calls = [("post", f"/cases/{ref}/costs", COST), ("patch", f"/cases/{ref}/costs/{line['id']}", {"amount_jpy": 1}),
             ("delete", f"/cases/{ref}/costs/{line['id']}", None),
             ("post", f"/cases/{ref}/costs/{line['id']}/consent", {"consent_ref": "TM-1"}),
             ("patch", f"/cases/{ref}", {"malicious": True}),
             ("post", f"/cases/{ref}/deadlines/appi_preliminary/met", {"met_at": "2026-04-12T10:00:00+09:00"}),
             ("post", f"/cases/{ref}/notes", {"text": "終了後のメモ"})]
    before = db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
    for method, path, body in calls:
        r = getattr(api, method)(path, **({"json": body} if body is not None else {}))
        assert r.status_code == 409, (method, path, r.get_json())
        assert r.get_json()["error"]["code"] == "case_closed"
        assert "reopen it, with a reason" in r.get_json()["error"]["message"]
    db.expire_all()
    assert db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id)).all() == before
    assert db.get(CostLine, line["id"]).amount_jpy == 100_000


def test_the_page_says_why_in_the_readers_language(client, factory, db, coordinator):
    case = factory.case(status="closed")
    login(client, coordinator)
    token = csrf_from(client, f"/cases/{case.reference}/timeline")
    r = client.post(f"/cases/{case.reference}/notes", data={"kind": "note", "text": "メモ", "csrf_token": token},
                    headers={"Accept-Language": "ja"})
    assert r.status_code == 409
    assert "この案件は終了しています。変更する前に、理由を添えて案件を再開してください。" in r.get_data(as_text=True)


def test_reopening_needs_a_reason_goes_on_the_timeline_and_lets_changes_in(api, api_as, factory, db, client,
                                                                           coordinator):
    case = factory.case()
    walk_to_closure(api, case)
    finish_closure_tasks(api, case)
    assert move(api, case, "closure", "complete").status_code == 200
    ref = case.reference
    assert api.post(f"/cases/{ref}/costs", json=COST).status_code == 409
    assert api.post(f"/cases/{ref}/reopen", json={"reason": ""}).status_code == 422
    insured = factory.user("insured", db.get(Organization, factory.policy().organization_id))
    assert api_as(insured).post(f"/cases/{ref}/reopen", json={"reason": "x"}).status_code == 403
    r = api.post(f"/cases/{ref}/reopen", json={"reason": "保険会社から追加の請求書"})
    assert r.status_code == 200, r.get_json()
    assert next(p for p in r.get_json() if p["key"] == "closure")["status"] == "active"
    db.expire_all()
    assert (db.get(Case, case.id).status, db.get(Case, case.id).closed_at) == ("open", None)
    assert api.post(f"/cases/{ref}/costs", json=COST).status_code == 201
    assert api.post(f"/cases/{ref}/reopen", json={"reason": "again"}).get_json()["error"]["code"] == "case_open"
    (event,) = db.exec(select(AuditEvent).where(AuditEvent.kind == "case_reopened")).all()
    assert (event.field, event.old, event.new, event.actor_id) == ("status", "closed", "open", coordinator.id)
    timeline = api.get(f"/cases/{ref}/timeline").get_json()
    assert "Case reopened: 保険会社から追加の請求書" in [e["summary"] for e in timeline]
    # Closing again goes through the closure phase's guards, as the first time.
    assert move(api, case, "closure", "complete").status_code == 200


def test_the_case_page_reopens_a_closed_case(client, factory, db, coordinator):
    case = factory.case(status="closed")
    login(client, coordinator)
    path = f"/cases/{case.reference}/phases"
    page = client.get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "案件を再開する" in page and "再開の理由" in page
    r = post_form(client, f"/cases/{case.reference}/reopen", {"reason": ""}, form_page=path)
    assert r.status_code == 422
    r = post_form(client, f"/cases/{case.reference}/reopen", {"reason": "追加費用の判明", "next": path},
                  form_page=path)
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Case, case.id).status == "open"


def test_a_tasks_owner_is_staff_or_of_the_cases_company_and_its_category_exists(api, factory, db):
    case = factory.case()
    policy_org = case_org(db, case)
    task = {"phase": "intake", "title": "確認"}
    stranger = factory.user("insured")  # another company's insured
    for owner in (stranger.id, 999_999):
        r = api.post(f"/cases/{case.reference}/tasks", json={**task, "owner_id": owner})
        assert r.status_code == 422 and "owner_id" in r.get_json()["error"]["fields"]
    r = api.post(f"/cases/{case.reference}/tasks", json={**task, "cost_category": "ransom"})
    assert r.status_code == 422 and "cost_category" in r.get_json()["error"]["fields"]
    for owner in (factory.user("operator"), factory.user("insured", policy_org)):
        r = api.post(f"/cases/{case.reference}/tasks", json={**task, "owner_id": owner.id,
                                                              "cost_category": "investigation"})
        assert r.status_code == 201, r.get_json()


def case_org(db, case):
    from hotline.orgs.models import Policy

    return db.get(Organization, db.get(Policy, case.policy_id).organization_id)


def test_an_owner_set_before_the_check_never_gets_another_companys_reminder(app, db, factory):
    coordinator = factory.user("coordinator", phone="+819011112222")
    stranger = factory.user("insured", phone="+819099998888")
    case = factory.case(coordinator_id=coordinator.id)
    task = db.exec(select(CaseTask).where(CaseTask.case_id == case.id)).first()
    task.owner_id = stranger.id  # as the API let it be before issue 14
    db.add(task)
    db.commit()
    assert service.remind_overdue_task(db, task.id, now=task.due_at + dt.timedelta(minutes=1),
                                       notifier=app.extensions["hotline.notifier"])
    (sent,) = db.exec(select(OutboxMessage)).all()
    assert sent.to == "+819011112222" and case.reference in sent.body
    event = db.exec(select(AuditEvent).where(AuditEvent.kind == "reminder_sent")).one()
    assert event.new == "coordinator" and "+81" not in str(event.params)
