"""The timeline stores what happened and reads in the reader's language: Japanese pages, English API; who did it
as the reader may see it (an insured never reads a staff member's e-mail address or phone)."""
import csv
import io

from sqlmodel import select

from hotline.audit.models import AuditEvent
from tests.support import login, said


def _open(api, policy):
    r = api.post("/cases", {"policy_id": policy.id, "first_discovered_at": "2026-04-10T23:30:00+09:00",
                            "reported_at": "2026-04-11T00:15:00+09:00", "summary": "不審な通信"})
    return r.get_json()["reference"]


def test_timeline_page_in_japanese_and_api_in_english(client, db, factory, api_as):
    policy = factory.policy()
    operator = factory.user("operator")
    api = api_as(operator)
    ref = _open(api, policy)
    api.patch(f"/cases/{ref}", {"eu_data_subjects": True})
    events = api.get(f"/cases/{ref}/timeline").get_json()
    assert events[0]["kind"] == "case_opened"
    assert events[0]["summary"] == f"Case {ref} opened on policy {policy.policy_number}"
    # the contract's shape, and for staff whether the entry is internal (never shown to insureds)
    assert set(events[0]) == {"at", "actor", "kind", "summary", "field", "old", "new", "internal"}
    opened = db.exec(select(AuditEvent).where(AuditEvent.kind == "case_opened")).one()
    assert opened.params == {"reference": ref, "policy": policy.policy_number}  # what happened, not a sentence
    assert said(opened, "ja") == f"案件{ref}を受付（保険契約{policy.policy_number}）"
    login(client, operator)
    ja = client.get(f"/cases/{ref}/timeline", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert f"案件{ref}を受付" in ja and "事実を変更：EU域内の本人（GDPR）" in ja
    assert "EU域内の本人（GDPR）：なし → あり" in ja  # the change in words, not "eu_data_subjects false → true"
    assert f"Case {ref} opened" not in ja and "eu_data_subjects" not in ja.split("<tbody>")[1]
    client.get("/dashboard?lang=en")
    en = client.get(f"/cases/{ref}/timeline").get_data(as_text=True)
    assert f"Case {ref} opened on policy" in en and "EU data subjects (GDPR): no → yes" in en


def test_deadline_changes_read_in_words(client, factory, api_as):
    operator = factory.user("operator")
    api = api_as(operator)
    ref = _open(api, factory.policy())
    api.patch(f"/cases/{ref}", {"eu_data_subjects": True})
    login(client, operator)
    ja = client.get(f"/cases/{ref}/timeline?kind=deadline_changed",
                    headers={"Accept-Language": "ja"}).get_data(as_text=True)
    # GDPR: not applicable → missed (it is long past), due 72 h after discovery (2026-04-13 23:30 JST)
    assert "期限を再計算：GDPR監督機関への通知" in ja and "対象外 → 期限超過、期限2026年4月13日 23:30" in ja


def test_an_insured_reads_staff_as_their_role_never_their_address(client, db, factory, api_as):
    """The actor of an event: staff read it as recorded; an insured reads the coordinator as "コーディネーター",
    an operator as "ホットライン", the clock as "システム", and a colleague by name."""
    from hotline.audit.service import record

    org = factory.org()
    policy = factory.policy(org)
    operator = factory.user("operator", email="op.tanaka@hotline.example")
    coordinator = factory.user("coordinator", email="co.sato@hotline.example", phone="+819011112222")
    colleague = factory.user("insured", org, display_name="情報システム部 鈴木")
    insured = factory.user("insured", org)
    ref = _open(api_as(operator), policy)
    case_id = db.exec(select(AuditEvent.case_id).where(AuditEvent.kind == "case_opened")).first()
    # Entries an insured reads (a phase skipped, with the text as its reason; staff notes are internal).
    for actor, text in ((coordinator, "調整"), ("clock", "自動"), (colleague, "社内連絡"), ("vendor:調査社 (当番)", "x")):
        record(db, actor=actor, kind="phase_skipped", entity="case", case_id=case_id, field="call_center",
               params={"reason": text})
    db.commit()

    def by_reason(rows):
        return {e["summary"].removeprefix("Phase skipped: Call center (").removesuffix(")"): e["actor"] for e in rows}

    reads = by_reason(api_as(insured).get(f"/cases/{ref}/timeline").get_json())
    assert reads["調整"] == "Coordinator" and reads["自動"] == "System" and reads["社内連絡"] == "情報システム部 鈴木"
    assert reads["x"] == "Vendor: 調査社 (当番)"
    assert reads[f"Case {ref} opened on policy {policy.policy_number}"] == "Hotline"
    staff_reads = by_reason(api_as(operator).get(f"/cases/{ref}/timeline").get_json())
    assert staff_reads["調整"] == coordinator.email and staff_reads["自動"] == "clock"  # staff: as recorded

    login(client, insured)
    for path in (f"/cases/{ref}/timeline", f"/cases/{ref}", f"/cases/{ref}/timeline.csv"):
        text = client.get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True)
        assert "hotline.example" not in text and "+819011112222" not in text, path
    page = client.get(f"/cases/{ref}/timeline", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "コーディネーター" in page and "ホットライン" in page and "システム" in page
    csv_page = client.get(f"/cases/{ref}/timeline.csv", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_page.lstrip("\ufeff"))))
    assert ["ホットライン", "case_opened"] == rows[1][1:3]  # the page's CSV reads the reader's language
    assert rows[1][3].startswith(f"案件{ref}を受付")


def test_the_overdue_task_reminder_names_no_address(app, db, factory, api_as):
    """Its timeline entry says who was reminded by role (insureds read it), in the reader's language."""
    from hotline.phases.jobs import remind_overdue_tasks
    from tests.support import jst

    coordinator = factory.user("coordinator", email="co.kato@hotline.example", phone="+819055556666")
    case = factory.case(coordinator_id=coordinator.id)
    assert remind_overdue_tasks(app, jst(2026, 4, 12)) == 3
    events = db.exec(select(AuditEvent).where(AuditEvent.kind == "reminder_sent")).all()
    assert {said(e) for e in events} >= {"Overdue task reminder sent to the coordinator: Record the call and the facts"}
    assert "期限超過タスクのリマインダーをコーディネーターへ送信：受付内容と事実の記録" in {said(e, "ja") for e in events}
    assert all("+819055556666" not in str(e.params) and "kato" not in str(e.params) for e in events)
    assert case.reference


def test_case_page_shows_the_five_latest_entries_and_links_the_whole_timeline(client, factory, api_as):
    """Issue 11: the case page fits on a screen; the timeline page keeps every entry."""
    policy = factory.policy()
    operator = factory.user("operator")
    api = api_as(operator)
    ref = _open(api, policy)
    for n in range(7):  # seven fact changes, each an entry after the case was opened
        api.patch(f"/cases/{ref}", {"eu_data_subjects": n % 2 == 0})
    total = len(api.get(f"/cases/{ref}/timeline").get_json())
    assert total >= 8
    login(client, operator)
    page = client.get(f"/cases/{ref}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    section = page.split('id="timeline"')[1].split("</section>")[0]
    assert section.count("<tr class=\"kind-") == 5 and f"（直近 5 / {total}）" in section.replace("(", "（").replace(")", "）")
    assert f"案件{ref}を受付" not in section  # the oldest entry is left to the timeline page
    assert f'href="/cases/{ref}/timeline"' in section
    whole = client.get(f"/cases/{ref}/timeline", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert whole.split("<tbody>")[1].count("<tr class=\"kind-") == total and f"案件{ref}を受付" in whole
