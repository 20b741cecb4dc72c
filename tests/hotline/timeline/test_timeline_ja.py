"""The timeline reads in the reader's language: Japanese summaries on Japanese pages, English in the API."""
from tests.support import login


def test_timeline_page_in_japanese_and_api_in_english(client, db, factory, api_as):
    from sqlmodel import select

    from hotline.audit.models import AuditEvent

    policy = factory.policy()
    operator = factory.user("operator")
    api = api_as(operator)
    r = api.post("/cases", {"policy_id": policy.id, "first_discovered_at": "2026-04-10T23:30:00+09:00",
                            "reported_at": "2026-04-11T00:15:00+09:00", "summary": "不審な通信"})
    ref = r.get_json()["reference"]
    api.patch(f"/cases/{ref}", {"eu_data_subjects": True})
    events = api.get(f"/cases/{ref}/timeline").get_json()
    assert events[0]["kind"] == "case_opened"
    assert events[0]["summary"] == f"Case {ref} opened on policy {policy.policy_number}"
    assert set(events[0]) == {"at", "actor", "kind", "summary", "field", "old", "new"}  # the contract's shape
    opened = db.exec(select(AuditEvent).where(AuditEvent.kind == "case_opened")).one()
    assert opened.summary_ja == f"案件{ref}を受付（保険契約{policy.policy_number}）"
    login(client, operator)
    ja = client.get(f"/cases/{ref}/timeline", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert f"案件{ref}を受付" in ja and "事実を変更：eu_data_subjects" in ja
    assert f"Case {ref} opened" not in ja
    client.get("/dashboard?lang=en")
    en = client.get(f"/cases/{ref}/timeline").get_data(as_text=True)
    assert f"Case {ref} opened on policy" in en
