"""Messages per case between its insureds and the hotline: the API's shape, the other side told by e-mail in
their language (a link, never the words), new messages on the staff dashboards until answered or marked read."""
from __future__ import annotations

import pytest
from sqlmodel import select

from hotline.outbox.models import OutboxMessage
from tests.support import csrf_from, jst, login, row_counts


@pytest.fixture
def world(factory):
    org = factory.org("株式会社サンプル商事")
    case = factory.case(factory.policy(org, end=jst(2099, 1, 1)))
    coordinator = factory.user("coordinator", display_name="調整 太郎", email="coordinator@hotline.example",
                               language="en")
    case.coordinator_id = coordinator.id
    factory.s.add(case)
    factory.s.commit()
    return {"case": case, "org": org, "coordinator": coordinator,
            "insured": factory.user("insured", org, display_name="佐藤", email="sato@sample.example"),
            "colleague": factory.user("insured", org, display_name="鈴木", email="suzuki@sample.example",
                                      language="en"),
            "stranger": factory.user("insured", factory.org("他社株式会社"))}


def emails(db, to: str) -> list[OutboxMessage]:
    db.rollback()
    return list(db.exec(select(OutboxMessage).where(OutboxMessage.to == to).order_by(OutboxMessage.id)))


def test_an_insured_writes_and_the_coordinator_is_told_in_their_language(world, api_as, db):
    ref = world["case"].reference
    r = api_as(world["insured"]).post(f"/cases/{ref}/messages", json={"body": "サーバの再起動はいつ可能ですか？"})
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) >= {"id", "author", "body", "at"} and body["body"] == "サーバの再起動はいつ可能ですか？"
    assert body["author"] == "佐藤" and body["at"].endswith("+09:00")
    (mail,) = emails(db, "coordinator@hotline.example")
    assert mail.channel == "email" and mail.subject == f"[Cyber incident hotline] New message on case {ref}"
    assert f"/cases/{ref}/messages" in mail.body and "再起動" not in mail.body  # a link, never the words
    assert emails(db, "sato@sample.example") == []  # not to its author


def test_the_hotline_answers_and_each_insured_is_told_in_theirs(world, api_as, db):
    ref = world["case"].reference
    api_as(world["insured"]).post(f"/cases/{ref}/messages", json={"body": "質問です"})
    r = api_as(world["coordinator"]).post(f"/cases/{ref}/messages", json={"body": "明朝9時に再起動します。"})
    assert r.status_code == 201
    (ja,) = emails(db, "sato@sample.example")
    (en,) = emails(db, "suzuki@sample.example")
    assert ja.subject == f"【サイバー事故ホットライン】案件{ref}に新しいメッセージ" and f"/incidents/{ref}#messages" in ja.body
    assert en.subject.startswith("[Cyber incident hotline]")
    thread = api_as(world["colleague"]).get(f"/cases/{ref}/messages").get_json()
    assert [m["body"] for m in thread] == ["質問です", "明朝9時に再起動します。"]
    assert [m["author"] for m in thread] == ["佐藤", "Coordinator"]  # never a staff e-mail address
    assert thread[0]["read_at"] is not None  # the answer marked it read
    staff_view = api_as(world["coordinator"]).get(f"/cases/{ref}/messages").get_json()
    assert staff_view[1]["author"] == "調整 太郎"


def test_new_messages_are_on_the_staff_dashboards_until_answered_or_marked_read(app, world, api_as, factory):
    ref = world["case"].reference
    api_as(world["insured"]).post(f"/cases/{ref}/messages", json={"body": "至急ご連絡ください"})
    for role in ("coordinator", "operator"):
        client = app.test_client()
        login(client, world["coordinator"] if role == "coordinator" else factory.user("operator"))
        page = client.get("/dashboard").get_data(as_text=True)
        panel = page[page.index('class="grid new-messages"'):]
        assert f"/cases/{ref}/messages" in panel and "株式会社サンプル商事" in panel, role
    client = app.test_client()
    login(client, world["coordinator"])
    thread = client.get(f"/cases/{ref}/messages").get_data(as_text=True)
    assert "至急ご連絡ください" in thread
    r = client.post(f"/cases/{ref}/messages/read", data={"csrf_token": csrf_from(client, f"/cases/{ref}/messages")})
    assert r.status_code == 302
    assert "new-messages" not in client.get("/dashboard").get_data(as_text=True)


def test_messages_through_the_pages(app, world, db):
    ref = world["case"].reference
    insured = app.test_client()
    login(insured, world["insured"])
    page = f"/incidents/{ref}"
    r = insured.post(f"/cases/{ref}/messages", data={"body": "領収書を追加しました", "csrf_token": csrf_from(insured, page)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{page}#messages")
    assert "領収書を追加しました" in insured.get(page).get_data(as_text=True)
    before = row_counts(db)
    r = insured.post(f"/cases/{ref}/messages", data={"body": "  ", "csrf_token": csrf_from(insured, page)},
                     headers={"Accept-Language": "ja"})
    assert r.status_code == 422 and "field-error" in r.get_data(as_text=True)
    assert row_counts(db) == before
    staff = app.test_client()
    login(staff, world["coordinator"])
    r = staff.post(f"/cases/{ref}/messages", data={"body": "確認しました", "csrf_token": csrf_from(staff, page)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/cases/{ref}/messages")


def test_another_companys_insured_cannot_read_or_write_and_the_admin_only_reads(world, api_as, factory):
    ref = world["case"].reference
    assert api_as(world["stranger"]).get(f"/cases/{ref}/messages").status_code == 404
    assert api_as(world["stranger"]).post(f"/cases/{ref}/messages", json={"body": "x"}).status_code == 404
    admin = api_as(factory.user("admin"))
    assert admin.get(f"/cases/{ref}/messages").status_code == 200  # admins read what an operator reads
    assert admin.post(f"/cases/{ref}/messages", json={"body": "x"}).status_code == 403


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "x" * 5001}, {"body": 5}, {"body": "a\x00b"},
                                  {"body": "x", "extra": 1}])
def test_bad_bodies_are_refused(world, api_as, body, db):
    api = api_as(world["insured"])
    before = row_counts(db)
    r = api.post(f"/cases/{world['case'].reference}/messages", json=body)
    assert r.status_code == 422
    assert row_counts(db) == before
