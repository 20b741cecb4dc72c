"""Vendors and dispatch through the API and the answer pages: registry, ranking, warnings and override,
signed links (expired, tampered, reused), acceptance, decline, late answers, release, Twilio SMS and voice."""
import re
import time
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from hotline.audit.models import AuditEvent
from hotline.dispatch import links
from hotline.dispatch.models import Dispatch, DispatchAttempt
from hotline.dispatch.service import active_dispatch_summaries
from hotline.i18n import render
from hotline.outbox.models import OutboxMessage
from tests.support import jst

LINK = re.compile(r"http://localhost(/dispatch/answer/[\w.\-]+)")


def vendor_body(name, caps=("forensics",), hours="24x7", contacts=(("当番", "+81300000101"),), **kw):
    return {"name": name, "capabilities": list(caps), "hours": hours,
            "contacts": [{"name": n, "phone": p} for n, p in contacts], **kw}


@pytest.fixture
def coord(factory, api_as):
    return api_as(factory.user("coordinator"))


def add_vendor(api, *args, **kw):
    r = api.post("/vendors", json=vendor_body(*args, **kw))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def sms_links(db, case_id):
    rows = db.exec(select(OutboxMessage).where(OutboxMessage.case_id == case_id, OutboxMessage.channel == "sms")
                   .order_by(OutboxMessage.id)).all()
    return [(m.to, LINK.search(m.body).group(1)) for m in rows]


def timeline(db, case_id):
    return [e.kind for e in db.exec(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                    .order_by(AuditEvent.id)).all()]


def test_vendor_registry_validation_and_edit(coord, factory, api_as):
    r = coord.post("/vendors", json=vendor_body("Bad", contacts=(("x", "03-1234-5678"),)))
    assert r.status_code == 422 and "contacts.0.phone" in r.get_json()["error"]["fields"]
    r = coord.post("/vendors", json=vendor_body("Bad", caps=("magic",)))
    assert r.status_code == 422 and "'forensics'" in r.get_json()["error"]["fields"]["capabilities.0"]  # what to send
    v = add_vendor(coord, "フォレンジック社", languages=["ja", "en"])
    assert v["contacts"] == [{"name": "当番", "phone": "+81300000101"}] and v["hours"] == "24x7"
    assert coord.post("/vendors", json=vendor_body("フォレンジック社")).status_code == 422  # duplicate name
    r = coord.patch(f"/vendors/{v['id']}", json={"hours": "business", "contacts": [
        {"name": "A", "phone": "+81300000102"}, {"name": "B", "phone": "+81300000103"}]})
    assert r.status_code == 200 and [c["name"] for c in r.get_json()["contacts"]] == ["A", "B"]
    assert coord.patch(f"/vendors/{v['id']}", json={"contacts": [{"name": "A", "phone": "12"}]}).status_code == 422
    operator = api_as(factory.user("operator"))
    assert operator.get(f"/vendors/{v['id']}").get_json()["hours"] == "business"
    assert operator.post("/vendors", json=vendor_body("X")).status_code == 403


def test_ranking_by_capability_with_reasons(coord, factory):
    busy = add_vendor(coord, "Busy", escalation_rank=1)
    add_vendor(coord, "Legal only", caps=("legal",))
    free = add_vendor(coord, "Free", escalation_rank=2)
    rows = coord.get("/vendors?capability=forensics").get_json()
    assert [r["name"] for r in rows] == ["Busy", "Free"]  # same load: escalation order
    case = factory.case(attack_confirmed="yes")
    assert coord.post(f"/cases/{case.reference}/dispatches", json={"vendor_id": busy["id"], "capability": "forensics",
                                                                    "brief": "x"}).status_code == 201
    rows = coord.get("/vendors?capability=forensics").get_json()
    assert [r["id"] for r in rows] == [free["id"], busy["id"]]  # Busy now has an active dispatch
    assert rows[0]["reason"] == "available 24/7; 0 active dispatches; escalation order 2"
    assert rows[1]["reason"] == "available 24/7; 1 active dispatches; escalation order 1"
    assert coord.get("/vendors?capability=nope").status_code == 422


def test_dispatch_accept_by_link_shows_engaged_and_blocks_closure(coord, factory, client, db):
    case = factory.case(attack_confirmed="yes")
    v = add_vendor(coord, "LAC", contacts=(("当番", "+81300000101"), ("副当番", "+81300000102")))
    r = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": v["id"], "capability": "forensics", "brief": "サーバ3台の調査"})
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert d["status"] == "pending" and d["vendor_id"] == v["id"] and d["warnings"] == []
    assert d["cost_categories"] == ["investigation"]
    ((to, path),) = sms_links(db, case.id)
    assert to == "+81300000101"
    page = client.get(path)
    assert page.status_code == 200 and "サーバ3台の調査" in page.get_data(as_text=True)
    assert [render(s, "en") for s in active_dispatch_summaries(db, case.id)] == [
        f"dispatch #{d['id']}: LAC (Digital forensics) is waiting for an answer"]
    assert [render(s, "ja") for s in active_dispatch_summaries(db, case.id)] == [
        f"手配#{d['id']}：LAC（フォレンジック調査）は回答待ちです"]
    from tests.support import post_form

    r = post_form(client, path, {"answer": "accept"})
    assert r.status_code == 200 and "accepted" in r.get_data(as_text=True)
    d = coord.get(f"/cases/{case.reference}/dispatches").get_json()[0]
    assert d["status"] == "accepted" and d["attempts"][0]["answered_via"] == "link"
    assert [h["kind"] for h in d["history"]] == ["vendor_dispatched", "vendor_notified", "vendor_accepted"]
    assert "engaged and not released" in render(active_dispatch_summaries(db, case.id)[0], "en")
    # reused: the link decides once
    r = post_form(client, path, {"answer": "decline"}, form_page="/login")
    assert r.status_code == 409 and "already been used" in r.get_data(as_text=True)
    assert client.get(path).status_code == 409
    # released: no longer holds the case open
    r = coord.post(f"/cases/{case.reference}/dispatches/{d['id']}", json={"action": "release"})
    assert r.status_code == 200 and r.get_json()["released_at"]
    assert active_dispatch_summaries(db, case.id) == []
    assert coord.post(f"/cases/{case.reference}/dispatches/{d['id']}", json={"action": "release"}).status_code == 409


def test_tampered_and_expired_links_are_refused(coord, factory, client, db, app, monkeypatch):
    case = factory.case(attack_confirmed="yes")
    v = add_vendor(coord, "LAC")
    coord.post(f"/cases/{case.reference}/dispatches", json={"vendor_id": v["id"], "capability": "forensics",
                                                             "brief": "調査"})
    ((_, path),) = sms_links(db, case.id)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    r = client.get(tampered)
    assert r.status_code == 404 and "not valid" in r.get_data(as_text=True)
    # another attempt id, signed with another key: refused too
    assert client.get("/dispatch/answer/" + links.make_token("other-key", 1)).status_code == 404
    import itsdangerous.timed

    real = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 2 * 86400)
    old = links.make_token(app.config["SECRET_KEY"], db.exec(select(DispatchAttempt.id)).first())
    monkeypatch.setattr(itsdangerous.timed.time, "time", real)
    r = client.get(f"/dispatch/answer/{old}")
    assert r.status_code == 410 and "expired" in r.get_data(as_text=True)
    from tests.support import post_form

    assert post_form(client, f"/dispatch/answer/{old}", {"answer": "accept"}, form_page="/login").status_code == 410
    assert db.exec(select(Dispatch)).one().status == "pending"


def test_warnings_409_then_override_on_the_timeline(coord, factory, db):
    case = factory.case()
    v = add_vendor(coord, "Law firm", caps=("legal",))
    body = {"vendor_id": v["id"], "capability": "legal", "brief": "個人情報保護委員会への報告相談"}
    r = coord.post(f"/cases/{case.reference}/dispatches", json=body)
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "warnings" and "consent" in err["warnings"][0] and "④ Advisory costs" in err["warnings"][0]
    assert db.exec(select(OutboxMessage)).all() == []  # nothing sent
    r = coord.post(f"/cases/{case.reference}/dispatches", json={**body, "override_warnings": True})
    assert r.status_code == 201 and r.get_json()["warnings_overridden"] is True
    assert "warnings_overridden" in timeline(db, case.id)


def test_emergency_work_before_the_notice_warns(coord, factory):
    case = factory.case(first_discovered_at=jst(2026, 4, 10, 23, 30), reported_at=jst(2099, 1, 1, 0, 0))
    v = add_vendor(coord, "LAC")
    r = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": v["id"], "capability": "forensics", "brief": "x"})
    assert r.status_code == 409 and "before the insurer notice" in r.get_json()["error"]["warnings"][0]


def test_no_30_day_warning_on_a_sompo_case(coord, factory, api_as):
    """Forensics while the attack is unknown is ① work under tm-juas-2026; the same dispatch on a Sompo case
    (no 30-day rule in its product) warns of nothing, whether the notice was late or is still ahead."""
    operator = api_as(factory.user("operator"))
    v = add_vendor(coord, "LAC")
    dispatch = {"vendor_id": v["id"], "capability": "forensics", "brief": "ログ解析"}
    late = {"first_discovered_at": "2026-04-10T23:30:00+09:00", "reported_at": "2026-05-11T00:00:00+09:00",
            "summary": "不審な通信を検知"}
    tm = operator.post("/cases", json={"policy_id": factory.policy().id, **late}).get_json()["reference"]
    r = coord.post(f"/cases/{tm}/dispatches", json=dispatch)
    assert r.status_code == 409 and "last day 2026-05-10" in r.get_json()["error"]["warnings"][0]
    sompo_policy = factory.policy(product="sj-cyber-2018", plan="individual")
    sompo = operator.post("/cases", json={"policy_id": sompo_policy.id, **late}).get_json()["reference"]
    r = coord.post(f"/cases/{sompo}/dispatches", json=dispatch)
    assert r.status_code == 201 and r.get_json()["warnings"] == []
    ahead = factory.case(sompo_policy, reported_at=jst(2099, 1, 1, 0, 0))  # the notice is still to come
    r = coord.post(f"/cases/{ahead.reference}/dispatches", json=dispatch)
    assert r.status_code == 201 and r.get_json()["warnings"] == []


def test_decline_moves_to_the_next_vendor_and_late_acceptance_is_refused(coord, factory, client, db):
    from tests.support import post_form

    case = factory.case(attack_confirmed="yes")
    a = add_vendor(coord, "A社", contacts=(("a1", "+81300000101"), ("a2", "+81300000102")), escalation_rank=1)
    b = add_vendor(coord, "B社", contacts=(("b1", "+81300000201"),), escalation_rank=2)
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": a["id"], "capability": "forensics", "brief": "x"}).get_json()
    assert [c["vendor_id"] for c in d["chain"]] == [a["id"], a["id"], b["id"]]
    ((_, a_link),) = sms_links(db, case.id)
    r = post_form(client, a_link, {"answer": "decline"})
    assert "declined" in r.get_data(as_text=True)
    d = coord.get(f"/cases/{case.reference}/dispatches/{d['id']}").get_json()
    assert d["status"] == "escalated" and d["vendor_id"] == b["id"]  # a2 skipped: the company said no
    links_sent = sms_links(db, case.id)
    assert [to for to, _ in links_sent] == ["+81300000101", "+81300000201"]
    b_link = links_sent[1][1]
    # B accepts; a repeated answer from A's old link cannot engage A too
    assert "accepted" in post_form(client, b_link, {"answer": "accept"}).get_data(as_text=True)
    assert post_form(client, a_link, {"answer": "accept"}, form_page="/login").status_code == 409
    d = coord.get(f"/cases/{case.reference}/dispatches/{d['id']}").get_json()
    assert d["status"] == "accepted" and d["vendor_id"] == b["id"]
    assert timeline(db, case.id) == ["vendor_dispatched", "vendor_notified", "vendor_declined", "dispatch_escalated",
                                     "vendor_notified", "vendor_accepted"]


def test_late_answer_after_escalation_to_another_vendor(coord, factory, client, db, app):
    """Escalated by the clock while the first vendor hesitated: its acceptance is recorded, not engaged."""
    import datetime as dt

    from hotline.dispatch.service import escalate_one
    from hotline.dispatch.settings import from_config
    from tests.support import post_form
    from vendors.notifier.outbox import OutboxNotifier

    case = factory.case(attack_confirmed="yes")
    a = add_vendor(coord, "A社", escalation_rank=1)
    b = add_vendor(coord, "B社", contacts=(("b1", "+81300000201"),), escalation_rank=2)
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": a["id"], "capability": "forensics", "brief": "x"}).get_json()
    later = db.get(Dispatch, d["id"]).step_deadline + dt.timedelta(seconds=1)
    assert escalate_one(db, now=later, notifier=OutboxNotifier(), settings=from_config(app.config))
    ((_, a_link), _) = sms_links(db, case.id)
    assert "passed to another vendor" in client.get(a_link).get_data(as_text=True)
    r = post_form(client, a_link, {"answer": "accept"})
    assert "passed to another vendor" in r.get_data(as_text=True) and "recorded" in r.get_data(as_text=True)
    d = coord.get(f"/cases/{case.reference}/dispatches/{d['id']}").get_json()
    assert d["status"] == "escalated" and d["vendor_id"] == b["id"]
    late = [h for h in d["history"] if h["kind"] == "vendor_late_answer"]
    assert len(late) == 1 and "now with B社" in late[0]["summary"]
    assert post_form(client, a_link, {"answer": "accept"}, form_page="/login").status_code == 409


def test_coordinator_records_phone_answers_and_withdraws(coord, factory, db):
    case = factory.case(attack_confirmed="yes")
    v = add_vendor(coord, "LAC")
    url = f"/cases/{case.reference}/dispatches"
    d1 = coord.post(url, json={"vendor_id": v["id"], "capability": "forensics", "brief": "x"}).get_json()
    r = coord.post(f"{url}/{d1['id']}", json={"action": "accept", "note": "電話で受諾"})
    assert r.status_code == 200 and r.get_json()["attempts"][0]["answered_via"] == "coordinator"
    d2 = coord.post(url, json={"vendor_id": v["id"], "capability": "forensics", "brief": "y"}).get_json()
    r = coord.post(f"{url}/{d2['id']}", json={"action": "withdraw"})
    assert r.status_code == 200 and r.get_json()["status"] == "expired"
    assert coord.post(f"{url}/{d2['id']}", json={"action": "accept"}).status_code == 409
    assert coord.post(f"{url}/{d2['id']}", json={"action": "fly"}).status_code == 422


@pytest.mark.twilio(DISPATCH_VOICE="1")
def test_twilio_sms_and_voice_through_the_real_client(coord, factory, app, fake_twilio, client, db):
    from twilio.request_validator import RequestValidator

    case = factory.case(attack_confirmed="yes")
    v = add_vendor(coord, "LAC")
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": v["id"], "capability": "forensics", "brief": "ランサムウェア調査"}).get_json()
    (sms,), (call,) = fake_twilio.messages(), fake_twilio.calls()
    assert sms.form["To"] == "+81300000101" and "ランサムウェア調査" in sms.form["Body"]
    voice_url = call.form["Url"]
    assert voice_url.startswith("http://localhost/twilio/dispatch/") and voice_url.endswith("/voice")
    rows = db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.channel, m.status, m.adapter) for m in rows] == [("sms", "sent", "twilio"), ("voice", "sent", "twilio")]

    sign = RequestValidator(fake_twilio.auth_token).compute_signature
    path = urlsplit(voice_url).path
    params = {"CallSid": "CA1", "From": "+81300000101"}
    assert client.post(path, data=params, headers={"X-Twilio-Signature": "bogus"}).status_code == 403
    assert client.post(path, data=params).status_code == 403
    r = client.post(path, data=params, headers={"X-Twilio-Signature": sign(voice_url, params)})
    twiml = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/xml"
    assert 'language="ja-JP"' in twiml and "ランサムウェア調査" in twiml and 'numDigits="1"' in twiml
    answer_url = re.search(r'action="([^"]+)"', twiml).group(1)
    # a tampered parameter breaks the signature
    signed = sign(answer_url, {**params, "Digits": "2"})
    assert client.post(urlsplit(answer_url).path, data={**params, "Digits": "1"},
                       headers={"X-Twilio-Signature": signed}).status_code == 403
    r = client.post(urlsplit(answer_url).path, data={**params, "Digits": "1"},
                    headers={"X-Twilio-Signature": sign(answer_url, {**params, "Digits": "1"})})
    assert "ありがとうございます" in r.get_data(as_text=True)
    d = coord.get(f"/cases/{case.reference}/dispatches/{d['id']}").get_json()
    assert d["status"] == "accepted" and d["attempts"][0]["answered_via"] == "voice"


def test_dispatch_pages_warn_keep_input_and_override(factory, client, db):
    from tests.support import login, post_form

    coordinator = factory.user("coordinator")
    case = factory.case()
    login(client, coordinator)
    page = client.get("/vendors/new")
    assert page.status_code == 200
    r = post_form(client, "/vendors/new", {"name": "法律事務所", "capabilities": "legal", "hours": "business",
                                           "contacts": "受付, 03-1234"})
    assert r.status_code == 422 and "法律事務所" in r.get_data(as_text=True)  # the form keeps what was typed
    r = post_form(client, "/vendors/new", {"name": "法律事務所", "capabilities": "legal", "hours": "24x7",
                                           "contacts": "受付, +81300000301", "escalation_rank": "5", "active": "on"})
    assert r.status_code == 302
    path = f"/cases/{case.reference}/dispatches"
    page = client.get(f"{path}?capability=legal").get_data(as_text=True)
    assert "法律事務所" in page and "written consent" in page and "override_warnings" in page
    vendor_id = re.search(r'name="vendor_id" value="(\d+)"', page).group(1)
    form = {"vendor_id": vendor_id, "capability": "legal", "brief": "PPC報告の相談"}
    r = post_form(client, path, form, form_page=f"{path}?capability=legal")
    assert r.status_code == 409 and "PPC報告の相談" in r.get_data(as_text=True)
    r = post_form(client, path, {**form, "override_warnings": "on"}, form_page=f"{path}?capability=legal")
    assert r.status_code == 302
    assert db.exec(select(Dispatch)).one().warnings_overridden


def test_insured_sees_engaged_vendor_on_the_case_page_without_phones(factory, client, coord, db):
    from tests.support import login

    org = factory.org()
    case = factory.case(factory.policy(org), attack_confirmed="yes")
    v = add_vendor(coord, "ベンダー甲", contacts=(("当番", "+81300000777"),))
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": v["id"], "capability": "forensics", "brief": "x"}).get_json()
    coord.post(f"/cases/{case.reference}/dispatches/{d['id']}", json={"action": "accept"})
    login(client, factory.user("insured", org))
    page = client.get(f"/cases/{case.reference}", follow_redirects=True)  # the insured's own page of the case
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "ベンダー甲" in html and "+81300000777" not in html
    assert "Withdraw" not in html and client.get(f"/cases/{case.reference}/dispatches").status_code == 403


def test_demo_vendors_load_once(app, db):
    from hotline.dispatch import demo
    from hotline.dispatch.models import Vendor
    from hotline.validation import E164

    demo.load(db, [], {})
    demo.load(db, [], {})
    db.commit()
    vendors = db.exec(select(Vendor)).all()
    assert len(vendors) == len(demo.VENDORS) and any("LAC" in v.name for v in vendors)
    from hotline.dispatch.registry import contacts_of

    phones = [c.phone for v in vendors for c in contacts_of(db, v.id)]
    assert phones and all(E164.match(p) and p.startswith("+8130000") for p in phones)


def test_pages_in_japanese(coord, factory, client, db):
    from tests.support import login

    case = factory.case(attack_confirmed="yes")
    v = add_vendor(coord, "LAC", caps=("forensics", "legal"))
    coord.post(f"/cases/{case.reference}/dispatches", json={"vendor_id": v["id"], "capability": "forensics",
                                                             "brief": "調査"})
    ((_, path),) = sms_links(db, case.id)
    page = client.get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "受諾する" in page and "辞退する" in page and "フォレンジック調査" in page
    login(client, factory.user("coordinator"))
    page = client.get(f"/cases/{case.reference}/dispatches?capability=legal",
                      headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "24時間対応" in page and "書面による同意" in page and "回答待ち" in page


def test_consent_on_record_lifts_the_consent_warning_and_costs_link_to_the_dispatch(coord, factory, db, client):
    import datetime as dt

    from hotline.costs.models import CostLine
    from tests.support import login

    case = factory.case(attack_confirmed="yes")
    v = add_vendor(coord, "Recovery", caps=("data_recovery",))
    body = {"vendor_id": v["id"], "capability": "data_recovery", "brief": "NAS復旧"}
    assert coord.post(f"/cases/{case.reference}/dispatches", json=body).status_code == 409
    db.add(CostLine(case_id=case.id, category="system_restoration", amount_jpy=500000, arose_on=dt.date(2026, 4, 12),
                    consent_ref="TM-同意-0412"))
    db.commit()
    d = coord.post(f"/cases/{case.reference}/dispatches", json=body).get_json()
    assert d["status"] == "pending" and d["warnings"] == []
    coord.post(f"/cases/{case.reference}/dispatches/{d['id']}", json={"action": "accept"})
    login(client, factory.user("coordinator"))
    page = client.get(f"/cases/{case.reference}/dispatches").get_data(as_text=True)
    link = f"/cases/{case.reference}/costs/new?dispatch={d['id']}&amp;vendor={v['id']}&amp;category=system_restoration"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'value="{d["id"]}"' in form
    out = coord.get(f"/outbox?case={case.reference}").get_json()
    assert out[0]["case_reference"] == case.reference and "NAS復旧" in out[0]["body"]


def test_coordinator_dashboard_lists_waiting_dispatches(coord, factory, client):
    from tests.support import login

    case = factory.case(attack_confirmed="yes")
    v = add_vendor(coord, "見張り対象社")
    coord.post(f"/cases/{case.reference}/dispatches", json={"vendor_id": v["id"], "capability": "forensics",
                                                             "brief": "x"})
    login(client, factory.user("coordinator"))
    page = client.get("/dashboard", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "注意が必要な業者手配" in page and "見張り対象社" in page and case.reference in page


def test_a_colleague_answering_an_earlier_message_accepts_for_the_company(coord, factory, client, db, app):
    """a1 did not answer in time, the clock asked a2; a1 then accepts: same company, so it counts, once."""
    import datetime as dt

    from hotline.dispatch.service import escalate_one
    from hotline.dispatch.settings import from_config
    from tests.support import post_form
    from vendors.notifier.outbox import OutboxNotifier

    case = factory.case(attack_confirmed="yes")
    a = add_vendor(coord, "A社", contacts=(("a1", "+81300000101"), ("a2", "+81300000102")))
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": a["id"], "capability": "forensics", "brief": "x"}).get_json()
    later = db.get(Dispatch, d["id"]).step_deadline + dt.timedelta(seconds=1)
    assert escalate_one(db, now=later, notifier=OutboxNotifier(), settings=from_config(app.config))
    (_, a1_link), (_, a2_link) = sms_links(db, case.id)
    assert "accepted" in post_form(client, a1_link, {"answer": "accept"}, form_page="/login").get_data(as_text=True)
    d = coord.get(f"/cases/{case.reference}/dispatches/{d['id']}").get_json()
    assert d["status"] == "accepted" and [x["outcome"] for x in d["attempts"]] == ["accepted", "superseded"]
    assert "colleague has already accepted" in client.get(a2_link).get_data(as_text=True)
    assert [h["kind"] for h in d["history"]].count("vendor_accepted") == 1


def test_openapi_documents_vendors_and_dispatch(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"post", "get"} <= set(doc["paths"]["/vendors"]) and "patch" in doc["paths"]["/vendors/{vendor_id}"]
    assert "409" in doc["paths"]["/cases/{reference}/dispatches"]["post"]["responses"]
    assert "override_warnings" in doc["components"]["schemas"]["DispatchIn"]["properties"]


def test_an_active_dispatch_blocks_closing_the_case(coord, factory, db):
    from hotline.phases import service

    def closing_blockers(session, case_id):
        return [render(b, "en") for b in service.closing_blockers(session, case_id)]

    case = factory.case(attack_confirmed="yes")
    v = add_vendor(coord, "閉鎖テスト社")
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": v["id"], "capability": "forensics", "brief": "x"}).get_json()
    ours = [b for b in closing_blockers(db, case.id) if "閉鎖テスト社" in b]
    assert ours == [f"dispatch #{d['id']}: 閉鎖テスト社 (Digital forensics) is waiting for an answer"]
    coord.post(f"/cases/{case.reference}/dispatches/{d['id']}", json={"action": "accept"})
    assert any("engaged and not released" in b for b in closing_blockers(db, case.id))
    coord.post(f"/cases/{case.reference}/dispatches/{d['id']}", json={"action": "release"})
    assert not [b for b in closing_blockers(db, case.id) if "閉鎖テスト社" in b]


def test_a_vendor_reads_the_request_in_its_language_and_the_coordinator_the_end_in_theirs(app, coord, factory, db):
    """The SMS goes in the first of the vendor's languages (Japanese by default); when nobody accepts, the
    coordinator is told in the language they chose."""
    import datetime as dt

    from hotline.dispatch import service
    from hotline.dispatch.settings import from_config

    coordinator = factory.user("coordinator", phone="+819000000021", language="en")
    case = factory.case(attack_confirmed="yes", coordinator_id=coordinator.id)
    english = add_vendor(coord, "Global Forensics", languages=["en", "ja"], contacts=(("Duty", "+81300000111"),))
    japanese = add_vendor(coord, "国内調査社", contacts=(("当番", "+81300000112"),))
    for vendor in (english, japanese):
        r = coord.post(f"/cases/{case.reference}/dispatches",
                       json={"vendor_id": vendor["id"], "capability": "forensics", "brief": "サーバ調査"})
        assert r.status_code == 201, r.get_json()
    sms = {m.to: m.body for m in db.exec(select(OutboxMessage).where(OutboxMessage.case_id == case.id))}
    assert sms["+81300000111"].startswith("[Cyber incident response: dispatch request] Global Forensics, for Duty")
    assert "Please accept or decline by" in sms["+81300000111"]
    assert sms["+81300000112"].startswith("【サイバー事故対応 手配依頼】国内調査社 当番様")
    with app.app_context():
        settings = from_config(app.config)
        later = dt.datetime.now(dt.UTC)
        for _step in range(4):  # every contact of the chains leaves the request unanswered
            later += settings.ack_timeout + dt.timedelta(minutes=1)
            while service.escalate_one(db, now=later, notifier=app.extensions["hotline.notifier"], settings=settings):
                pass
    told = [m.body for m in db.exec(select(OutboxMessage).where(OutboxMessage.to == "+819000000021"))]
    assert told and all("ended with no vendor accepting. Dispatch again." in body for body in told)


def test_case_page_proposes_the_best_vendor_per_needed_capability_and_sends_in_one_click(factory, client, db,
                                                                                     coord):
    """Initial response calls for forensics and emergency response: the best-ranked vendor of each, a brief
    written from the case in the vendor's language; one POST sends it and the case page says so at the panel."""
    from tests.support import csrf_from, login

    add_vendor(coord, "二番手フォレンジック", escalation_rank=200)
    best = add_vendor(coord, "一番手フォレンジック", escalation_rank=10)
    add_vendor(coord, "連絡先なし調査", escalation_rank=1, contacts=())  # no on-call contact: never proposed
    english = add_vendor(coord, "Global IR", caps=("emergency_response",), languages=["en"])
    login(client, factory.user("coordinator"))
    case = factory.case(personal_records_affected=5000, card_data=True, malicious=True,
                        summary="ランサムウェアでファイルサーバが暗号化された")
    path = f"/cases/{case.reference}"
    assert 'id="next"' not in client.get(path).get_data(as_text=True)  # intake: nothing to dispatch yet
    coord.post(f"/cases/{case.reference}/phases/intake", json={"action": "complete"})
    coord.post(f"/cases/{case.reference}/phases/initial_response", json={"action": "start"})
    page = client.get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    forensics = page.split('data-capability="forensics"')[1].split('class="proposal"')[0]
    assert f'name="vendor_id" value="{best["id"]}"' in forensics and "一番手フォレンジック" in forensics
    brief = re.search(r'<textarea name="brief"[^>]*>([^<]*)</textarea>', forensics).group(1)
    assert "ランサムウェアでファイルサーバが暗号化された" in brief and "約5,000件" in brief
    assert "クレジットカード情報を含む" in brief
    emergency = page.split('data-capability="emergency_response"')[1].split("</section>")[0]
    assert f'value="{english["id"]}"' in emergency and "About 5,000 personal records affected." in emergency
    r = client.post(f"/cases/{case.reference}/dispatches", headers={"Accept-Language": "ja"}, data={
        "from": "proposal", "capability": "forensics", "vendor_id": best["id"], "brief": brief,
        "csrf_token": csrf_from(client, path)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{path}#next")
    dispatch = db.exec(select(Dispatch)).one()
    assert (dispatch.vendor_id, dispatch.capability) == (best["id"], "forensics")
    assert dispatch.brief.startswith(case_org_name(db, case))
    page = client.get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    panel = page.split('id="next"')[1].split("</section>")[0]
    assert "を一番手フォレンジックに送りました" in panel  # the result where the click was
    forensics = panel.split('data-capability="forensics"')[1].split('class="proposal"')[0]
    assert "<form" not in forensics and "一番手フォレンジック" in forensics  # covered: no second proposal


def case_org_name(db, case):
    from hotline.orgs.models import Organization, Policy

    return db.get(Organization, db.get(Policy, case.policy_id).organization_id).name
