"""The outbox: every message, newest first, filterable by case, on the API and on its page."""
from hotline.outbox import service
from tests.support import login
from vendors.notifier.outbox import OutboxNotifier


def test_outbox_api_newest_first_and_by_case(db, factory, api_as):
    case = factory.case()
    other = factory.case()
    first = service.send(db, OutboxNotifier(), channel="sms", to="+819011112222", body="一通目", case_id=case.id)
    second = service.send(db, OutboxNotifier(), channel="sms", to="+819011112222", body="二通目", case_id=other.id)
    db.commit()
    api = api_as(factory.user("coordinator"))
    rows = api.get("/outbox").get_json()
    assert [r["id"] for r in rows][:2] == [second.id, first.id]
    assert rows[0]["case_reference"] == other.reference and rows[0]["channel"] == "sms"
    assert rows[0]["created_at"].endswith("+09:00")
    only = api.get(f"/outbox?case={case.reference}").get_json()
    assert [r["body"] for r in only] == ["一通目"]
    assert api.get("/outbox?case=CY-0000-000000").status_code == 404
    assert len(api.get("/outbox?limit=1").get_json()) == 1


def test_outbox_page_lists_messages_for_coordinators(client, db, factory):
    case = factory.case()
    service.send(db, OutboxNotifier(), channel="sms", to="+819033334444", body="期限のお知らせ", case_id=case.id)
    db.commit()
    login(client, factory.user("coordinator"))
    page = client.get(f"/outbox/?case={case.reference}").get_data(as_text=True)
    assert "期限のお知らせ" in page and case.reference in page
    insured = client.application.test_client()
    login(insured, factory.user("insured"))
    assert insured.get("/outbox/").status_code == 403


def test_outbox_page_links_the_case_the_link_and_the_phone(client, db, factory):
    case = factory.case()
    service.send(db, OutboxNotifier(), channel="sms", to="+819033334444", case_id=case.id,
                 body=f"案件{case.reference}の手配依頼。回答: http://localhost:8000/dispatch/answer/abc.def")
    db.commit()
    login(client, factory.user("coordinator"))
    page = client.get(f"/outbox/?case={case.reference}").get_data(as_text=True)
    assert '<a href="http://localhost:8000/dispatch/answer/abc.def">' in page
    assert f'<a href="/cases/{case.reference}" class="ref">{case.reference}</a>' in page
    assert f'<td><a href="/cases/{case.reference}">{case.reference}</a></td>' in page
    assert '<a class="tel" href="tel:+819033334444">090-3333-4444</a>' in page
