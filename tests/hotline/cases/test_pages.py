"""The operator's intake page, the case page (deadlines, facts, reports made) and the dashboards' case panels."""
import datetime as dt
import re

from sqlmodel import select

from hotline.cases.models import Case
from hotline.db import utcnow
from hotline.deadlines.models import Deadline
from tests.support import csrf_from, jst, login, post_form

FORM = {"caller_name": "山田太郎", "first_discovered_at": "2026-04-10T23:30", "reported_at": "2026-04-11T00:15",
        "discovery_source": "internal", "discovery_basis": "caller_statement", "attack_confirmed": "unknown",
        "summary": "ファイルサーバから不審な通信", "personal_records_affected": "20", "sensitive_data": "on",
        "contact_phone": "+819012345678"}


def test_intake_page_opens_a_case_and_shows_its_deadlines(client, factory, db):
    policy = factory.policy(factory.org("株式会社テスト電機"))
    login(client, factory.user("operator"))
    page = client.get("/cases/new").get_data(as_text=True)
    assert "autofocus" in page and f'<option value="{policy.policy_number}">株式会社テスト電機' in page
    r = post_form(client, "/cases/new", {**FORM, "policy": "テスト電機"})  # company name, one match
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    ref = r.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"CY-\d{4}-\d{6}", ref)
    case = db.exec(select(Case).where(Case.reference == ref)).one()
    assert case.first_discovered_at == jst(2026, 4, 10, 23, 30) and case.sensitive_data
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert "2026-05-11" in page and "Decision I-10" in page  # APPI final, rolled from Sat 05-09
    assert "2026-05-10" in page  # the 30-day rule's last day


def test_intake_errors_are_shown_and_nothing_typed_is_lost(client, factory):
    policy = factory.policy()
    login(client, factory.user("operator"))
    r = post_form(client, "/cases/new", {**FORM, "policy": policy.policy_number,
                                          "first_discovered_at": "2026-04-11T01:00"}, form_page="/cases/new")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "after reported_at" in page and "ファイルサーバから不審な通信" in page and 'value="+819012345678"' in page
    r = post_form(client, "/cases/new", {**FORM, "policy": "no such thing"}, form_page="/cases/new")
    assert r.status_code == 422 and "No policy matches this." in r.get_data(as_text=True)


def test_policy_lookup_by_number_or_company_name(client, factory):
    factory.policy(factory.org("みなと精密工業株式会社"))
    login(client, factory.user("operator"))
    rows = client.get("/cases/policy-lookup?q=みなと").get_json()
    assert [r["organization"] for r in rows] == ["みなと精密工業株式会社"]


def test_case_page_facts_form_moves_deadlines(client, factory, db):
    op = factory.user("operator")
    login(client, op)
    r = post_form(client, "/cases/new", {**FORM, "policy": factory.policy().policy_number})
    ref = r.headers["Location"].rsplit("/", 1)[1]
    facts = {**FORM, "malicious": "on"}
    r = post_form(client, f"/cases/{ref}/facts", facts, form_page=f"/cases/{ref}")
    assert r.status_code == 302
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Deadlines moved" in page and "2026-06-08" in page  # 60 days now


def test_record_report_made_button(client, factory, db):
    login(client, factory.user("coordinator"))
    discovered = utcnow() - dt.timedelta(hours=3)
    r = post_form(client, "/cases/new", {**FORM, "policy": factory.policy(end=jst(2099, 1, 1)).policy_number,
                                          "first_discovered_at": discovered.astimezone(jst(2026, 1, 1).tzinfo)
                                          .strftime("%Y-%m-%dT%H:%M"), "reported_at": "",
                                          "eu_data_subjects": "on"})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    ref = r.headers["Location"].rsplit("/", 1)[1]
    r = post_form(client, f"/cases/{ref}/deadlines/gdpr_authority/met", {"met_at": ""}, form_page=f"/cases/{ref}")
    assert r.status_code == 302
    case = db.exec(select(Case).where(Case.reference == ref)).one()
    db.expire_all()
    row = db.exec(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "gdpr_authority")).one()
    assert row.status == "met" and row.met_at is not None


def test_outside_policy_period_banner(client, factory):
    policy = factory.policy(start=jst(2026, 5, 1, 16, 0))
    case = factory.case(policy, first_discovered_at=jst(2026, 4, 30, 10, 0), reported_at=jst(2026, 5, 2, 9, 0))
    login(client, factory.user("operator"))
    assert "outside the policy period" in client.get(f"/cases/{case.reference}").get_data(as_text=True)


def test_insured_reads_own_case_only_without_the_facts_form(client, factory):
    org = factory.org()
    own, other = factory.case(factory.policy(org)), factory.case(factory.policy())
    login(client, factory.user("insured", org))
    page = client.get(f"/cases/{own.reference}", follow_redirects=True).get_data(as_text=True)  # their own page
    assert own.reference in page and "Deadlines" in page and "Save facts" not in page
    assert client.get(f"/cases/{other.reference}").status_code == 404
    assert client.get("/cases/new").status_code == 403
    dash = client.get("/dashboard").get_data(as_text=True)
    assert own.reference in dash and other.reference not in dash


def test_operator_dashboard_orders_by_nearest_deadline_overdue_first(client, factory, api_as):
    op = factory.user("operator")
    api = api_as(op)
    policy = factory.policy(end=jst(2099, 1, 1))
    now = utcnow()
    soon = api.post("/cases", json={"policy_id": policy.id, "summary": "a", "eu_data_subjects": True,
                                    "first_discovered_at": (now - dt.timedelta(hours=70)).isoformat()}).get_json()
    later = api.post("/cases", json={"policy_id": policy.id, "summary": "b", "eu_data_subjects": True,
                                     "first_discovered_at": (now - dt.timedelta(hours=1)).isoformat()}).get_json()
    late = api.post("/cases", json={"policy_id": policy.id, "summary": "c", "personal_records_affected": 5,
                                    "sensitive_data": True, "first_discovered_at": "2026-04-10T10:00:00+09:00",
                                    "reported_at": "2026-04-10T11:00:00+09:00"}).get_json()
    login(client, op)
    page = client.get("/dashboard").get_data(as_text=True)
    order = [page.index(c["reference"]) for c in (late, soon, later)]
    assert order == sorted(order)
    assert 'class="badge overdue"' in page


def test_case_pages_in_japanese(client, factory):
    case = factory.case()
    login(client, factory.user("operator"))
    page = client.get(f"/cases/{case.reference}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "期限" in page and "保険会社への事故連絡" in page
    assert "5月10日（日）24:00まで" in page  # the insurer notice's last moment (discovered 04-10 23:30 JST)
    assert "2026年5月10日（日） 24:00までに" in page  # its rule, in Japanese
    assert "受付" in client.get("/cases/new", headers={"Accept-Language": "ja"}).get_data(as_text=True)


def _demo_section(*, session, case, policy, user):
    return {"template": "cases/_test_section.html", "context": {"who": user.role.value}}


def _hidden_section(*, session, case, policy, user):
    return None


def test_other_domains_add_sections_to_the_case_page(client, factory, monkeypatch, app, tmp_path):
    from jinja2 import ChoiceLoader, DictLoader

    from hotline.cases import sections

    monkeypatch.setattr(sections, "CASE_SECTIONS", (_demo_section, _hidden_section))
    app.jinja_loader = ChoiceLoader([app.jinja_loader, DictLoader(
        {"cases/_test_section.html": '<section id="extra">{{ case.reference }} for {{ who }}</section>'})])
    case = factory.case()
    login(client, factory.user("coordinator"))
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f'<section id="extra">{case.reference} for coordinator</section>' in page


def test_saving_the_intake_completes_intake_and_starts_initial_response(client, factory, db):
    """The form answered the call and the policy; no coordinator was chosen, so that task is carried on, and
    said so on the timeline."""
    from hotline.audit.models import AuditEvent
    from hotline.phases.models import CasePhase, CaseTask

    policy = factory.policy()
    login(client, factory.user("operator"))
    r = post_form(client, "/cases/new", {**FORM, "policy": policy.policy_number})
    assert r.status_code == 302
    case = db.exec(select(Case).where(Case.reference == r.headers["Location"].rsplit("/", 1)[1])).one()
    assert case.phase == "initial_response"
    phases = {p.key: p.status for p in db.exec(select(CasePhase).where(CasePhase.case_id == case.id))}
    assert phases["intake"] == "done" and phases["initial_response"] == "active"
    tasks = {t.template_key: (t.phase_key, t.status) for t in db.exec(select(CaseTask).where(
        CaseTask.case_id == case.id))}
    assert tasks["record_call"] == tasks["confirm_policy"] == ("intake", "done")
    assert tasks["assign_coordinator"] == ("initial_response", "open")  # carried, not lost
    assert tasks["first_hearing"] == ("initial_response", "open")  # initial response's own checklist
    kinds = [e.kind for e in db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id))]
    assert kinds.count("task_done") == 2 and "task_carried" in kinds
    assert kinds.index("phase_completed") < kinds.index("phase_started")
    page = client.get(f"/cases/{case.reference}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "受付から初動対応へ引き継ぎ" in client.get(f"/cases/{case.reference}/timeline",
                                                 headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "初動対応" in page


def test_intake_with_a_coordinator_and_a_covered_discovery_leaves_nothing_open(client, factory, db):
    from hotline.phases.models import CaseTask

    coordinator = factory.user("coordinator")
    login(client, factory.user("operator"))
    r = post_form(client, "/cases/new", {**FORM, "policy": factory.policy().policy_number,
                                         "coordinator_id": str(coordinator.id)})
    case = db.exec(select(Case).where(Case.reference == r.headers["Location"].rsplit("/", 1)[1])).one()
    intake = db.exec(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.template_key.in_(
        ("record_call", "assign_coordinator", "confirm_policy")))).all()
    assert {(t.phase_key, t.status) for t in intake} == {("intake", "done")}


def test_completing_a_phase_with_open_tasks_says_where_they_went(client, factory, db):
    from hotline.phases.models import CaseTask

    login(client, factory.user("coordinator"))
    r = post_form(client, "/cases/new", {**FORM, "policy": factory.policy().policy_number})
    ref = r.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/cases/{ref}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "件の未完了タスクは調査・応急対応に引き継がれます" in page  # said before the click
    r = client.post(f"/cases/{ref}/phases/initial_response", headers={"Accept-Language": "ja"}, data={
        "action": "complete", "next": f"/cases/{ref}", "csrf_token": csrf_from(client, f"/cases/{ref}")})
    assert r.status_code == 302
    page = client.get(f"/cases/{ref}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "調査・応急対応に引き継いだ未完了タスク：5件" in page
    case = db.exec(select(Case).where(Case.reference == ref)).one()
    moved = db.exec(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.status == "open")).all()
    assert {t.phase_key for t in moved} == {"investigation"} and len(moved) == 5


def test_admin_sees_overdue_deadlines_and_tasks_of_every_case_and_reads_the_case_page(client, factory):
    """A case discovered in April has every clock run out and its intake tasks overdue; the admin's dashboard
    lists them in Japanese, the case page opens for reading, and nothing on it can be changed by an admin."""
    case = factory.case(factory.policy(end=jst(2099, 1, 1)), personal_records_affected=5000, malicious=True)
    quiet = factory.case(factory.policy(end=jst(2099, 1, 1)), first_discovered_at=utcnow() - dt.timedelta(hours=1),
                         reported_at=utcnow())
    login(client, factory.user("admin"))
    page = client.get("/dashboard", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    deadlines = page.split('class="panel overdue-deadlines"')[1].split("</section>")[0]
    assert case.reference in deadlines and quiet.reference not in deadlines
    assert "個人情報保護委員会への速報" in deadlines and "超過" in deadlines
    tasks = page.split('class="panel overdue-tasks"')[1].split("</section>")[0]
    assert case.reference in tasks and "受付内容と事実の記録" in tasks
    assert quiet.reference in page  # among the open cases
    for path in (f"/cases/{case.reference}", f"/cases/{case.reference}/phases", f"/cases/{case.reference}/timeline",
                 f"/cases/{case.reference}/coverage", f"/cases/{case.reference}/messages"):
        r = client.get(path)
        assert r.status_code == 200, path
    body = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert '/facts"' not in body and '/met"' not in body and 'value="complete"' not in body and "<form" in body
