"""Phases, tasks, notes and the timeline through the API and the pages, on a real database."""
import csv
import datetime as dt
import io
import re

import pytest
from sqlmodel import select

from hotline.audit.models import AuditEvent
from hotline.cases.models import Case
from hotline.i18n import render
from hotline.phases import service
from hotline.phases.models import CasePhase, CaseTask
from tests.support import jst, login, post_form, said
from workflows.phases import PHASE_KEYS
from workflows.text import Text


@pytest.fixture
def staff(factory):
    return factory.user("coordinator")


@pytest.fixture
def api(api_as, staff):
    return api_as(staff)


def move(api, case, key, action, reason=None):
    body = {"action": action} | ({"reason": reason} if reason is not None else {})
    return api.post(f"/cases/{case.reference}/phases/{key}", json=body)


def statuses(response):
    return {p["key"]: p["status"] for p in response.get_json()}


def walk_to_closure(api, case):
    """intake → … → closure started, with the call center and post-incident skipped."""
    for key, action in [("intake", "complete"), ("initial_response", "start"), ("initial_response", "complete"),
                        ("investigation", "start"), ("pr_reporting", "start"), ("investigation", "complete"),
                        ("pr_reporting", "complete"), ("recovery", "start"), ("recovery", "complete"),
                        ("recurrence_prevention", "start"), ("recurrence_prevention", "complete")]:
        r = move(api, case, key, action)
        assert r.status_code == 200, (key, action, r.get_json())
    assert move(api, case, "call_center", "skip", "被害者がいない").status_code == 200
    assert move(api, case, "post_incident", "skip", "不要").status_code == 200
    assert move(api, case, "closure", "start").status_code == 200


def finish_closure_tasks(api, case):
    phases = api.get(f"/cases/{case.reference}/phases").get_json()
    for t in phases[-1]["tasks"]:
        assert api.post(f"/cases/{case.reference}/tasks/{t['id']}", json={"status": "done"}).status_code == 200


# --- GET phases ----------------------------------------------------------------------------------------
def test_a_case_opened_through_the_api_and_never_viewed_has_its_phases_and_its_tasks_are_reminded(
        app, api, factory, db):
    """Intake is one unit of work: phases and checklist come with the case, so the clock reminds an overdue
    task of a case nobody has looked at."""
    import datetime as dt

    from hotline import clock
    from hotline.outbox.models import OutboxMessage

    coordinator = factory.user("coordinator", phone="+819011112222")
    r = api.post("/cases", json={"policy_id": factory.policy().id, "summary": "不審な通信",
                                 "first_discovered_at": "2026-04-10T23:30:00+09:00",
                                 "reported_at": "2026-04-11T00:15:00+09:00", "coordinator_id": coordinator.id})
    assert r.status_code == 201, r.get_json()
    case = db.exec(select(Case).where(Case.reference == r.get_json()["reference"])).one()
    phases = db.exec(select(CasePhase).where(CasePhase.case_id == case.id).order_by(CasePhase.position)).all()
    assert [(p.key, p.status) for p in phases][:2] == [("intake", "active"), ("initial_response", "not_started")]
    tasks = db.exec(select(CaseTask).where(CaseTask.case_id == case.id).order_by(CaseTask.due_at)).all()
    assert [t.template_key for t in tasks] == ["record_call", "assign_coordinator", "confirm_policy"]
    first_due = tasks[0].due_at  # 1 h after the hotline call
    assert first_due == jst(2026, 4, 11, 1, 15)
    assert clock.tick(app, now=first_due - dt.timedelta(seconds=1))["hotline.phases.jobs.remind_overdue_tasks"] == 0
    assert clock.tick(app, now=first_due)["hotline.phases.jobs.remind_overdue_tasks"] == 1
    assert clock.tick(app, now=first_due)["hotline.phases.jobs.remind_overdue_tasks"] == 0  # once
    (sms,) = db.exec(select(OutboxMessage).where(OutboxMessage.case_id == case.id, OutboxMessage.source.like("task:%")))
    assert sms.to == "+819011112222" and "受付内容と事実の記録" in sms.body  # the coordinator chose no language
    assert api.get(f"/cases/{case.reference}/phases").get_json()[0]["tasks"][0]["title"] == \
        "Record the call and the facts"


def test_a_backfilled_case_has_its_phases_with_intake_active(api, factory):
    case = factory.case()  # a row as bulk-loaded, completed by the backfill init-db runs
    r = api.get(f"/cases/{case.reference}/phases")
    assert r.status_code == 200
    body = r.get_json()
    assert [p["key"] for p in body] == list(PHASE_KEYS)
    assert body[0] == {**body[0], "status": "active", "started_at": "2026-04-11T00:15:00+09:00",
                       "ended_at": None, "skip_reason": None}
    assert [t["title"] for t in body[0]["tasks"]] == ["Record the call and the facts", "Assign a coordinator",
                                                      "Confirm the policy and cover period"]
    assert body[0]["tasks"][0]["due_at"] == "2026-04-11T01:15:00+09:00"  # 1 h after the call
    assert all(p["status"] == "not_started" and p["tasks"] == [] for p in body[1:])


# --- moves ---------------------------------------------------------------------------------------------
def test_start_generates_the_checklist_and_records_the_event(api, factory, db):
    case = factory.case(eu_data_subjects=True, personal_records_affected=300)
    move(api, case, "intake", "complete")
    move(api, case, "initial_response", "start")
    move(api, case, "initial_response", "complete")
    r = move(api, case, "investigation", "start")
    assert r.status_code == 200
    inv = next(p for p in r.get_json() if p["key"] == "investigation")
    own = [t for t in inv["tasks"] if t["template_key"] in ("evidence", "containment", "root_cause")]
    assert inv["status"] == "active" and [t["template_key"] for t in own] == [
        "evidence", "containment", "root_cause"]  # ordered by due time
    assert {t["cost_category"] for t in own} == {"investigation", "attack_response"}
    # the earlier phases ended with their tasks open: they were carried along, intake's and initial response's
    assert {t["template_key"] for t in inv["tasks"]} - {t["template_key"] for t in own} == {
        "record_call", "assign_coordinator", "confirm_policy", "first_hearing", "incident_assessment",
        "crisis_judgement", "response_policy", "response_hq"}
    r = move(api, case, "pr_reporting", "start")
    pr = next(p for p in r.get_json() if p["key"] == "pr_reporting")
    assert {"gdpr_authority", "apology_letters", "consolation"} <= {t["template_key"] for t in pr["tasks"]}
    db.expire_all()
    assert db.get(Case, case.id).phase == "pr_reporting"  # the furthest active phase
    ev = db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.kind == "phase_started")
                 .order_by(AuditEvent.id)).all()
    assert [(e.field, e.old, e.new) for e in ev] == [("initial_response", "not_started", "active"),
                                                     ("investigation", "not_started", "active"),
                                                     ("pr_reporting", "not_started", "active")]


def test_guard_409_names_what_blocks(api, factory):
    case = factory.case()
    r = move(api, case, "investigation", "start")
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "guard" and "Initial response must be done or skipped first" in err["message"]
    assert err["blockers"] == ["Initial response must be done or skipped first."]
    r = move(api, case, "recovery", "complete")
    assert r.status_code == 409 and "Only an active phase can be completed" in r.get_json()["error"]["message"]


def test_skip_needs_a_reason_422(api, factory, db):
    case = factory.case()
    r = move(api, case, "call_center", "skip")
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    assert move(api, case, "call_center", "skip", "  ").status_code == 422
    r = move(api, case, "call_center", "skip", "被害者がいないため")
    cc = next(p for p in r.get_json() if p["key"] == "call_center")
    assert cc["status"] == "skipped" and cc["skip_reason"] == "被害者がいないため" and cc["ended_at"]
    assert cc["tasks"] == []  # a skipped phase never generates its checklist
    e = db.exec(select(AuditEvent).where(AuditEvent.kind == "phase_skipped")).one()
    assert e.case_id == case.id and e.params == {"reason": "被害者がいないため"}
    assert said(e) == "Phase skipped: Call center (被害者がいないため)"
    assert said(e, "ja") == "フェーズをスキップ：問い合わせ対応（被害者がいないため）"


def test_bad_input(api, factory):
    case = factory.case()
    assert api.post(f"/cases/{case.reference}/phases/lunch", json={"action": "start"}).status_code == 404
    r = api.post(f"/cases/{case.reference}/phases/recovery", json={"action": "nap"})
    assert r.status_code == 422 and "action" in r.get_json()["error"]["fields"]
    assert api.post(f"/cases/{case.reference}/phases/recovery", json=["x"]).status_code == 422
    r = api.post(f"/cases/{case.reference}/phases/recovery", json={"action": "start", "why": 1})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"why": "unknown field"}
    assert api.get("/cases/CY-2026-999999/phases").status_code == 404


def test_completing_closure_closes_the_case(api, factory, db):
    case = factory.case()
    walk_to_closure(api, case)
    r = move(api, case, "closure", "complete")
    assert r.status_code == 409  # its own checklist is still open
    assert "Open closure task: Submit the claim documents to the insurer" in r.get_json()["error"]["blockers"]
    finish_closure_tasks(api, case)
    r = move(api, case, "closure", "complete")
    assert r.status_code == 200, r.get_json()
    db.expire_all()
    closed = db.get(Case, case.id)
    assert closed.status == "closed" and closed.closed_at is not None and closed.phase == "closure"
    assert db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.kind == "case_closed")).one()
    # Nothing moves afterwards.
    r = move(api, case, "recovery", "skip", "x")
    assert r.status_code == 409 and "closed" in r.get_json()["error"]["message"]
    r = api.post(f"/cases/{case.reference}/tasks", json={"phase": "closure", "title": "追加"})
    assert r.status_code == 409


def test_closing_guards_come_from_the_other_domains(db, factory, monkeypatch):
    """The closure guard asks every domain; each answer becomes a blocker."""
    calls = []

    def fake(name):
        def fn(session, case_id):
            calls.append((name, case_id))
            return [Text("%(name)s blocks", name=name)]
        return fn

    import hotline.phases.service as svc
    monkeypatch.setattr(svc, "CLOSING_GUARDS", (fake("a"), fake("b")))
    case = factory.case()
    assert [render(b, "en") for b in service.closing_blockers(db, case.id)] == ["a blocks", "b blocks"]
    assert calls == [("a", case.id), ("b", case.id)]


@pytest.mark.parametrize("broken", ["hotline.dispatch.service", "hotline.costs.service"])
def test_a_guard_that_cannot_load_stops_the_app_and_the_clock_at_start_up(broken, tmp_path):
    """Never a case closed with a guard silently gone: a guard module that fails to import fails loudly."""
    import os
    import subprocess
    import sys

    breaks = ("import sys\n"
              "class Broken:\n"
              "    def find_spec(self, name, path=None, target=None):\n"
              f"        if name == {broken!r}: raise ImportError('broken on purpose: ' + name)\n"
              "sys.meta_path.insert(0, Broken())\n")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "x"}
    for start in ("from hotline import create_app; create_app()",  # the web app
                  "from flask.cli import main; sys.argv = ['flask', '--app', 'hotline', 'clock']; main()"):
        out = subprocess.run([sys.executable, "-c", breaks + start], capture_output=True, text=True, cwd=tmp_path,
                             env=env, timeout=120)
        assert out.returncode != 0 and f"ImportError: broken on purpose: {broken}" in out.stderr, (start, out.stderr)


def test_an_open_deadline_stops_closing_until_it_is_met(api, factory):
    """Integration with the deadlines domain: a GDPR case has an open 72-hour deadline."""
    pytest.importorskip("hotline.deadlines.service")
    policy = factory.policy()
    now = dt.datetime.now(dt.UTC)
    r = api.post("/cases", json={"policy_id": policy.id, "summary": "EU顧客データ流出",
                                 "first_discovered_at": (now - dt.timedelta(hours=5)).isoformat(),
                                 "reported_at": (now - dt.timedelta(hours=4)).isoformat(),
                                 "eu_data_subjects": True, "gdpr_aware_at": (now - dt.timedelta(hours=5)).isoformat()})
    assert r.status_code == 201, r.get_json()
    case = factory.s.exec(select(Case).where(Case.reference == r.get_json()["reference"])).one()
    walk_to_closure(api, case)
    finish_closure_tasks(api, case)
    r = move(api, case, "closure", "complete")
    assert r.status_code == 409, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "guard" and "GDPR" in err["message"]
    for d in api.get(f"/cases/{case.reference}/deadlines").get_json():
        if d["status"] in ("open", "missed"):
            met = api.post(f"/cases/{case.reference}/deadlines/{d['kind']}/met", json={"met_at": now.isoformat()})
            assert met.status_code == 200, met.get_json()
    r = move(api, case, "closure", "complete")
    assert r.status_code == 200, r.get_json()


# --- tasks ---------------------------------------------------------------------------------------------
def test_add_and_complete_a_task_by_hand(api, factory, db, staff):
    case = factory.case()
    r = api.post(f"/cases/{case.reference}/tasks",
                 json={"phase": "investigation", "title": "調査会社へ折り返し",
                       "due_at": "2026-04-12T09:00:00+09:00", "owner_id": staff.id, "cost_category": "investigation"})
    assert r.status_code == 201, r.get_json()
    task = r.get_json()
    assert task["status"] == "open" and task["due_at"] == "2026-04-12T09:00:00+09:00" and task["phase"] == "investigation"
    assert task["title"] == "調査会社へ折り返し" and "title_ja" not in task  # as typed, in one language
    assert api.post(f"/cases/{case.reference}/tasks", json={"phase": "intake", "title": "x", "title_ja": "x"}
                    ).status_code == 422  # no parallel copy
    phases = api.get(f"/cases/{case.reference}/phases").get_json()
    assert [t["id"] for t in phases[2]["tasks"]] == [task["id"]]
    r = api.post(f"/cases/{case.reference}/tasks/{task['id']}", json={"status": "done"})
    assert r.status_code == 200 and r.get_json()["status"] == "done" and r.get_json()["done_at"]
    api.post(f"/cases/{case.reference}/tasks/{task['id']}", json={"status": "done"})  # twice: one event
    kinds = [e.kind for e in db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id))]
    assert kinds.count("task_added") == 1 and kinds.count("task_done") == 1


def test_task_input_errors(api, factory):
    case, other = factory.case(), factory.case()
    base = f"/cases/{case.reference}/tasks"
    assert api.post(base, json={"phase": "lunch", "title": "x"}).status_code == 422
    assert api.post(base, json={"phase": "intake", "title": ""}).status_code == 422
    r = api.post(base, json={"phase": "intake", "title": "x", "due_at": "2026-04-12T09:00:00"})
    assert r.status_code == 422 and "due_at" in r.get_json()["error"]["fields"]
    assert api.post(base, json={"phase": "intake", "title": "x", "owner_id": 99999}).status_code == 422
    task = api.post(base, json={"phase": "intake", "title": "x"}).get_json()
    assert api.post(f"{base}/{task['id']}", json={"status": "open"}).status_code == 422
    assert api.post(f"/cases/{other.reference}/tasks/{task['id']}", json={"status": "done"}).status_code == 404


# --- notes and the timeline ----------------------------------------------------------------------------
def test_notes_and_calls_go_to_the_timeline(api, factory):
    case = factory.case()
    r = api.post(f"/cases/{case.reference}/notes", json={"kind": "call", "text": "被保険者から進捗の電話",
                                                       "at": "2026-04-11T10:00:00+09:00"})
    assert r.status_code == 201 and r.get_json()["kind"] == "call_logged"
    assert api.post(f"/cases/{case.reference}/notes", json={"text": "メモ"}).get_json()["kind"] == "note_added"
    assert api.post(f"/cases/{case.reference}/notes", json={"text": ""}).status_code == 422
    assert api.post(f"/cases/{case.reference}/notes", json={"kind": "fax", "text": "x"}).status_code == 422
    tl = api.get(f"/cases/{case.reference}/timeline").get_json()
    assert [(e["kind"], e["summary"], e["at"]) for e in tl][0] == (
        "call_logged", "被保険者から進捗の電話", "2026-04-11T10:00:00+09:00")
    assert set(tl[0]) == {"at", "actor", "kind", "summary", "field", "old", "new", "internal"} and tl[0]["internal"]


def test_timeline_oldest_first_filtered_and_as_csv(api, factory, db, staff):
    case = factory.case()
    from hotline.audit.service import record

    record(db, actor=staff, kind="fact_changed", entity="case", entity_id=case.id, case_id=case.id,
           field="malicious", old=False, new=True, at=jst(2026, 4, 12, 9, 0))
    record(db, actor="clock", kind="note_added", entity="case", case_id=case.id, params={"text": "=HYPERLINK(x)"},
           at=jst(2026, 4, 11, 9, 0))
    record(db, actor=None, kind="note_added", entity="case", case_id=factory.case().id, params={"text": "other case"},
           at=jst(2026, 4, 11, 9, 30))
    db.commit()
    tl = api.get(f"/cases/{case.reference}/timeline").get_json()
    assert [e["kind"] for e in tl] == ["note_added", "fact_changed"]
    assert tl[1] == {"at": "2026-04-12T09:00:00+09:00", "actor": staff.label, "kind": "fact_changed",
                     "summary": "Malicious act changed", "field": "malicious", "old": "false", "new": "true",
                     "internal": False}
    only = api.get(f"/cases/{case.reference}/timeline?kind=fact_changed").get_json()
    assert [e["kind"] for e in only] == ["fact_changed"]
    for path in (f"/cases/{case.reference}/timeline?format=csv", f"/cases/{case.reference}/timeline.csv"):
        r = api.get(path)
        assert r.status_code == 200 and r.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[0] == ["at", "actor", "kind", "summary", "field", "old", "new"]
        assert rows[1][:4] == ["2026-04-11T09:00:00+09:00", "clock", "note_added", "'=HYPERLINK(x)"]
        assert len(rows) == 3


def test_insured_reads_own_phases_and_timeline_but_cannot_move(api_as, factory):
    org = factory.org()
    case = factory.case(factory.policy(org))
    insured = api_as(factory.user("insured", org))
    assert insured.get(f"/cases/{case.reference}/phases").status_code == 200
    assert insured.get(f"/cases/{case.reference}/timeline").status_code == 200
    assert insured.post(f"/cases/{case.reference}/phases/intake", json={"action": "complete"}).status_code == 403
    other = factory.case()
    assert insured.get(f"/cases/{other.reference}/timeline").status_code == 404


def test_every_mutation_through_the_api_leaves_a_timeline_event(app, api, factory, db):
    """Walk the case-mutating endpoints that exist in this build; each call adds at least one event."""
    policy = factory.policy()
    routes = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods}
    case = factory.case(policy)
    ref = case.reference
    steps = [("PATCH", "/cases/<reference>", f"/cases/{ref}", {"malicious": True, "personal_records_affected": 50}),
             ("POST", "/cases/<reference>/costs", f"/cases/{ref}/costs",
              {"category": "investigation", "amount_jpy": 500000, "arose_on": "2026-04-12"}),
             ("POST", "/cases/<reference>/phases/<key>", f"/cases/{ref}/phases/intake", {"action": "complete"}),
             ("POST", "/cases/<reference>/phases/<key>", f"/cases/{ref}/phases/call_center",
              {"action": "skip", "reason": "no victims"}),
             ("POST", "/cases/<reference>/tasks", f"/cases/{ref}/tasks", {"phase": "intake", "title": "確認"}),
             ("POST", "/cases/<reference>/notes", f"/cases/{ref}/notes", {"kind": "call", "text": "電話"})]
    walked = []
    for method, rule, path, body in steps:
        if (method, f"/api/v1{rule}") not in routes:
            continue
        before = len(api.get(f"/cases/{ref}/timeline").get_json())
        r = getattr(api, method.lower())(path, json=body)
        assert r.status_code in (200, 201), (path, r.get_json())
        after = api.get(f"/cases/{ref}/timeline").get_json()
        assert len(after) > before, f"{method} {path} left no event"
        walked.append(path)
    task = api.post(f"/cases/{ref}/tasks", json={"phase": "intake", "title": "x"}).get_json()
    n = len(api.get(f"/cases/{ref}/timeline").get_json())
    api.post(f"/cases/{ref}/tasks/{task['id']}", json={"status": "done"})
    assert len(api.get(f"/cases/{ref}/timeline").get_json()) == n + 1
    if ("POST", "/api/v1/cases/<reference>/costs/<int:line_id>/consent") in routes:
        line = api.post(f"/cases/{ref}/costs", json={"category": "advisory", "amount_jpy": 100000,
                                                     "arose_on": "2026-04-13"}).get_json()
        for method, path, body in [("PATCH", f"/cases/{ref}/costs/{line['id']}", {"amount_jpy": 120000}),
                                   ("POST", f"/cases/{ref}/costs/{line['id']}/consent", {"consent_ref": "C-1"}),
                                   ("DELETE", f"/cases/{ref}/costs/{line['id']}", None)]:
            n = len(api.get(f"/cases/{ref}/timeline").get_json())
            r = getattr(api, method.lower())(path, **({"json": body} if body is not None else {}))
            assert r.status_code in (200, 201, 204), (path, r.get_json())
            assert len(api.get(f"/cases/{ref}/timeline").get_json()) > n, f"{method} {path} left no event"
            walked.append(path)
    if ("POST", "/api/v1/cases/<reference>/dispatches") in routes:
        vendor = api.post("/vendors", json={"name": "テスト調査株式会社", "capabilities": ["investigation"],
                                            "hours": "24x7", "contacts": [{"name": "担当", "phone": "+81312345678"}]})
        assert vendor.status_code == 201, vendor.get_json()
        n = len(api.get(f"/cases/{ref}/timeline").get_json())
        r = api.post(f"/cases/{ref}/dispatches", json={"vendor_id": vendor.get_json()["id"],
                                                       "capability": "investigation", "brief": "調査",
                                                       "override_warnings": True})
        assert r.status_code == 201, r.get_json()
        assert len(api.get(f"/cases/{ref}/timeline").get_json()) > n
        walked.append("dispatches")
    assert f"/cases/{ref}/phases/intake" in walked and f"/cases/{ref}/notes" in walked
    # The Japanese timeline: every event the app writes reads in Japanese (notes are the user's words), and each
    # stored its parameters, not a sentence.
    events = db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
    untranslated = {e.kind: said(e, "ja") for e in events if e.kind not in ("note_added", "call_logged")
                    and (said(e, "ja") == said(e, "en") or not re.search(r"[ぁ-んァ-ン一-龥]", said(e, "ja")))}
    assert not untranslated, f"events that do not read in Japanese: {untranslated}"


# --- clock, dashboard, pages ---------------------------------------------------------------------------
def test_overdue_tasks_are_reminded_once(app, db, factory):
    from hotline.outbox.models import OutboxMessage
    from hotline.phases.jobs import remind_overdue_tasks

    coordinator = factory.user("coordinator", phone="+819011112222")
    case = factory.case(coordinator_id=coordinator.id)  # intake's three tasks, due on 2026-04-11
    factory.case(status="closed")
    now = jst(2026, 4, 12)
    assert remind_overdue_tasks(app, now) == 3
    assert remind_overdue_tasks(app, now) == 0  # exactly once per task
    db.expire_all()
    out = db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.channel, m.to, m.case_id) for m in out] == [("sms", "+819011112222", case.id)] * 3
    assert "受付内容と事実の記録" in out[0].body and "Record the call" not in out[0].body  # Japanese unless chosen
    events = db.exec(select(AuditEvent).where(AuditEvent.kind == "reminder_sent")).all()
    assert len(events) == 3 and {e.case_id for e in events} == {case.id}
    assert all(t.reminded_at for t in db.exec(select(CaseTask).where(CaseTask.case_id == case.id)))


def test_the_clock_lists_the_job():
    from hotline import clock
    from hotline.phases.jobs import remind_overdue_tasks

    assert remind_overdue_tasks in clock.JOBS


def test_dashboard_shows_overdue_tasks(client, factory, db):
    case = factory.case()
    login(client, factory.user("operator"))
    page = client.get("/dashboard", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "期限超過のタスク" in page and case.reference in page and "受付内容と事実の記録" in page


def test_phases_page_moves_skips_and_keeps_the_typed_reason(client, factory, db, staff):
    case = factory.case()
    login(client, staff)
    path = f"/cases/{case.reference}/phases"
    page = client.get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "受付" in page and "問い合わせ対応" in page and "受付内容と事実の記録" in page
    r = post_form(client, f"{path}/intake", {"action": "complete", "next": path}, form_page=path)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{path}#phases")
    r = post_form(client, f"{path}/call_center", {"action": "skip", "reason": ""}, form_page=path)
    assert r.status_code == 422 and "A reason is required to skip a phase." in r.get_data(as_text=True)
    r = post_form(client, f"{path}/investigation", {"action": "start"}, form_page=path)
    assert r.status_code == 409 and "Initial response must be done or skipped first." in r.get_data(as_text=True)
    r = post_form(client, f"{path}/call_center", {"action": "skip", "reason": "被害者なし"}, form_page=path)
    assert r.status_code == 302
    r = post_form(client, f"/cases/{case.reference}/tasks", {"phase": "intake", "title": "", "due_at": "x"},
                  form_page=path)
    assert r.status_code == 422
    r = post_form(client, f"/cases/{case.reference}/tasks",
                  {"phase": "recovery", "title": "バックアップ確認", "due_at": "2026-04-20T10:00", "owner_role": "insured"},
                  form_page=path)
    assert r.status_code == 302
    task = db.exec(select(CaseTask).where(CaseTask.title == "バックアップ確認")).one()
    assert task.due_at == jst(2026, 4, 20, 10, 0) and task.owner_role == "insured"
    r = post_form(client, f"/cases/{case.reference}/tasks/{task.id}/done", {}, form_page=path)
    assert r.status_code == 302
    db.expire_all()
    assert db.get(CaseTask, task.id).status == "done"
    assert db.get(CasePhase, db.exec(select(CasePhase.id).where(CasePhase.case_id == case.id,
                                                                CasePhase.key == "call_center")).one()).skip_reason == "被害者なし"


def test_insured_sees_the_pages_read_only(client, factory):
    org = factory.org()
    case = factory.case(factory.policy(org))
    login(client, factory.user("insured", org))
    page = client.get(f"/cases/{case.reference}/phases").get_data(as_text=True)
    assert "Record the call and the facts" in page and 'value="complete"' not in page and "Add a task" not in page
    assert client.get(f"/cases/{case.reference}/timeline").status_code == 200
    assert client.get(f"/cases/{factory.case().reference}/phases").status_code == 404
    assert client.get("/metrics").status_code == 403


def test_timeline_page_filter_csv_and_note(client, factory, staff):
    case = factory.case()
    login(client, staff)
    path = f"/cases/{case.reference}/timeline"
    assert post_form(client, f"/cases/{case.reference}/notes", {"kind": "note", "text": ""}, form_page=path).status_code == 422
    r = post_form(client, f"/cases/{case.reference}/notes", {"kind": "call", "text": "電話あり"}, form_page=path)
    assert r.status_code == 302
    page = client.get(path + "?kind=call_logged", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "電話あり" in page and "タイムライン" in page
    csv_text = client.get(f"{path}.csv").get_data(as_text=True)
    assert "call_logged" in csv_text and "電話あり" in csv_text


def test_metrics_page_and_api(client, api, factory, staff):
    case = factory.case()  # discovered 04-10 23:30, called 04-11 00:15 JST: 0.75 h
    move(api, case, "intake", "complete")
    login(client, staff)
    page = client.get("/metrics", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "<svg" in page and "対応時間の指標" in page and case.reference in page
    body = api.get("/metrics").get_json()
    assert body["summary"]["hotline_call"] == {"n": 1, "median": 0.75, "p90": 0.75}
    assert body["cases"][0]["hours"]["hotline_call"] == 0.75


def test_openapi_documents_every_workflow_endpoint(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for p in ("/cases/{reference}/phases", "/cases/{reference}/phases/{key}", "/cases/{reference}/tasks",
              "/cases/{reference}/tasks/{task_id}", "/cases/{reference}/timeline", "/cases/{reference}/timeline.csv",
              "/cases/{reference}/notes", "/metrics"):
        assert p in paths, p


def test_the_case_page_shows_the_phases_and_timeline_sections(app, client, factory, staff):
    from hotline.cases.sections import CASE_SECTIONS
    from hotline.phases.views import case_section

    assert case_section in CASE_SECTIONS
    case = factory.case()
    login(client, staff)
    r = client.get(f"/cases/{case.reference}", headers={"Accept-Language": "ja"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert 'id="phases"' in page and "対応フェーズ" in page and 'id="timeline"' in page
    path = f"/cases/{case.reference}"
    r = post_form(client, f"{path}/phases/intake", {"action": "complete", "next": path}, form_page=path)
    assert r.headers["Location"].endswith(f"{path}#phases")  # back to the case page


def test_pending_costs_and_active_dispatches_stop_closing_until_settled(api, factory):
    """Integration with the costs and dispatch domains, through their own endpoints."""
    pytest.importorskip("hotline.costs.service")
    pytest.importorskip("hotline.dispatch.service")
    case = factory.case(attack_confirmed="yes")
    ref = case.reference
    line = api.post(f"/cases/{ref}/costs", json={"category": "advisory", "amount_jpy": 300000,
                                                 "arose_on": "2026-04-15"})  # ④ needs written consent
    assert line.status_code == 201, line.get_json()
    vendor = api.post("/vendors", json={"name": "テストPR株式会社", "capabilities": ["pr"], "hours": "24x7",
                                        "contacts": [{"name": "担当", "phone": "+81312345678"}]}).get_json()
    dispatch = api.post(f"/cases/{ref}/dispatches", json={"vendor_id": vendor["id"], "capability": "pr",
                                                         "brief": "広報支援", "override_warnings": True})
    assert dispatch.status_code == 201, dispatch.get_json()
    walk_to_closure(api, case)
    finish_closure_tasks(api, case)
    r = move(api, case, "closure", "complete")
    assert r.status_code == 409
    blockers = r.get_json()["error"]["blockers"]
    assert any(f"Cost line {line.get_json()['id']}" in b and "pending consent" in b for b in blockers), blockers
    assert any(f"dispatch #{dispatch.get_json()['id']}" in b for b in blockers), blockers
    assert api.post(f"/cases/{ref}/costs/{line.get_json()['id']}/consent",
                    json={"consent_ref": "TM-CONSENT-1"}).status_code in (200, 201)
    assert api.post(f"/cases/{ref}/dispatches/{dispatch.get_json()['id']}",
                    json={"action": "withdraw"}).status_code == 200
    r = move(api, case, "closure", "complete")
    assert r.status_code == 200, r.get_json()
