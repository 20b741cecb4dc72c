"""The phone line's pages: the operators' panel on every staff page, opening a case from a call (the ring instant
is reported_at however late the form is sent), the caller log, the roster, the simulator, the clock's alerts."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import select

from hotline import clock
from hotline.calls import service
from hotline.calls.models import Call, RosterEntry, RosterWarning
from hotline.cases.models import Case
from hotline.db import utcnow
from hotline.outbox.models import OutboxMessage
from tests.hotline.calls.support import AUTH_TOKEN, new_sid, post, twilio_form
from tests.support import csrf_from, login, post_form

INSURED_PHONE = "+819011112222"


@pytest.fixture
def world(app, db, factory):
    app.config.update(TWILIO_AUTH_TOKEN=AUTH_TOKEN, CALLBACK_ALERT_MINUTES=15)
    operator = factory.user("operator", phone="+81300000201", display_name="受付 花子")
    coordinator = factory.user("coordinator", phone="+81300000202", display_name="調整 太郎")
    admin = factory.user("admin", phone="+81300000203")
    service.add_roster_entry(db, user_id=operator.id, weekdays="0123456", starts=dt.time(0), ends=dt.time(0),
                             position=0, actor=None)
    org = factory.org("アクメ株式会社")
    policy = factory.policy(org, start=utcnow() - dt.timedelta(days=100), end=utcnow() + dt.timedelta(days=200))
    factory.user("insured", org, phone=INSURED_PHONE)
    case = factory.case(policy)
    return {"operator": operator, "coordinator": coordinator, "admin": admin, "org": org, "policy": policy,
            "case": case}


def _ring(client, number=INSURED_PHONE) -> str:
    sid = new_sid()
    assert post(client, "/twilio/voice", twilio_form(sid, number)).status_code == 200
    return sid


def _call(db, sid) -> Call:
    db.expire_all()
    return db.exec(select(Call).where(Call.sid == sid)).one()


def test_the_panel_is_on_staff_pages_for_operators_and_coordinators_only(app, factory, world):
    # the people who answer and call back; admins read the caller log but take no calls
    for user, shown in ((world["operator"], True), (world["coordinator"], True), (world["admin"], False),
                        (factory.user("insured", world["org"]), False)):
        client = app.test_client()
        login(client, user)
        page = client.get("/dashboard").get_data(as_text=True)
        assert ('id="call-panel"' in page) is shown, user.role
        assert ("calls.js" in page) is shown
        assert "<script>" not in page  # no inline script


def test_the_panel_shows_the_company_its_policies_and_open_case(app, client, db, world):
    sid = _ring(client)
    page = app.test_client()
    login(page, world["operator"])
    html = page.get("/calls/panel").get_data(as_text=True)
    assert INSURED_PHONE in html and "アクメ株式会社" in html and world["policy"].policy_number in html
    assert world["case"].reference in html
    assert f"/cases/new?call={_call(db, sid).id}" in html
    unknown = _ring(client, "+815012345678")
    html = page.get("/calls/panel").get_data(as_text=True)
    assert f"/cases/new?call={_call(db, unknown).id}" in html


def test_open_this_case_puts_the_call_on_its_timeline(app, client, db, world):
    sid = _ring(client)
    call = _call(db, sid)
    page = app.test_client()
    login(page, world["operator"])
    token = csrf_from(page, "/dashboard")
    response = page.post(f"/calls/{call.id}/case", data={"reference": world["case"].reference, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{world['case'].reference}")
    assert _call(db, sid).case_id == world["case"].id
    timeline = page.get(f"/cases/{world['case'].reference}/timeline").get_data(as_text=True)
    assert INSURED_PHONE in timeline
    # A case that does not exist cannot be named.
    response = page.post(f"/calls/{call.id}/case", data={"reference": "CY-2099-000001", "csrf_token": token})
    assert response.status_code == 404


def test_a_new_case_from_a_call_takes_the_ring_instant_however_late(app, client, db, world):
    sid = _ring(client)
    call = _call(db, sid)
    page = app.test_client()
    login(page, world["operator"])
    form = page.get(f"/cases/new?call={call.id}").get_data(as_text=True)
    assert f'name="call_id" value="{call.id}"' in form
    assert 'name="reported_at"' not in form  # the ring instant, not typed
    assert re.search(r'name="contact_phone"[^>]*value="\+819011112222"', form)
    assert f'value="{world["policy"].policy_number}"' in form  # the company's only policy
    # The operator types for a while: the case is still reported at the ring instant.
    db.execute(Call.__table__.update().where(Call.id == call.id)
               .values(started_at=call.started_at - dt.timedelta(minutes=25)))
    db.commit()
    ring_instant = _call(db, sid).started_at
    response = post_form(page, "/cases/new", {
        "call_id": str(call.id), "policy": world["policy"].policy_number, "summary": "ランサムウェア感染",
        "first_discovered_at": (ring_instant - dt.timedelta(hours=2)).astimezone(dt.timezone(dt.timedelta(hours=9)))
        .strftime("%Y/%m/%d %H:%M"), "contact_phone": INSURED_PHONE}, form_page=f"/cases/new?call={call.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.expire_all()
    case = db.exec(select(Case).where(Case.summary == "ランサムウェア感染")).one()
    assert case.reported_at == ring_instant and case.contact_phone == INSURED_PHONE
    assert _call(db, sid).case_id == case.id


def test_the_caller_log_filters_and_marks_a_call_back(app, client, db, world):
    missed = _ring(client)
    post(client, "/twilio/voice/menu", twilio_form(missed, INSURED_PHONE, Digits="1"))
    post(client, "/twilio/voice/dial-result?step=0", twilio_form(missed, INSURED_PHONE, DialCallStatus="no-answer"))
    _ring(client, "+815012345678")
    page = app.test_client()
    login(page, world["coordinator"])
    html = page.get("/calls?status=to_call_back").get_data(as_text=True)
    assert INSURED_PHONE in html and "+815012345678" not in html
    html = page.get("/calls?from=03-0000-0000").get_data(as_text=True)
    assert INSURED_PHONE not in html
    assert page.get("/calls?since=yesterday").status_code == 422
    token = csrf_from(page, "/calls")
    call = _call(db, missed)
    assert page.post(f"/calls/{call.id}/called-back", data={"csrf_token": token}).status_code == 302
    assert _call(db, missed).called_back_at is not None
    assert INSURED_PHONE not in page.get("/calls?status=to_call_back").get_data(as_text=True)


def test_the_roster_page(app, db, world):
    page = app.test_client()
    login(page, world["admin"])
    html = page.get("/admin/roster").get_data(as_text=True)
    assert "受付 花子" in html
    response = post_form(page, "/admin/roster", {"user_id": str(world["coordinator"].id), "weekdays": ["0", "1"],
                                                 "starts": "２２：００", "ends": "6:00", "position": "1"})
    assert response.status_code == 302
    entry = db.exec(select(RosterEntry).where(RosterEntry.user_id == world["coordinator"].id)).one()
    assert (entry.weekdays, entry.starts, entry.ends, entry.position) == ("01", dt.time(22), dt.time(6), 1)
    bad = post_form(page, "/admin/roster", {"user_id": str(world["coordinator"].id), "weekdays": ["0"],
                                            "starts": "25:00", "ends": "6:00"}, form_page="/admin/roster")
    assert bad.status_code == 422
    entry_id = entry.id
    assert post_form(page, f"/admin/roster/{entry_id}/remove", {}, form_page="/admin/roster").status_code == 302
    db.expire_all()
    assert db.exec(select(RosterEntry).where(RosterEntry.id == entry_id)).first() is None


def test_the_simulator_rings_through_the_signed_webhooks(app, db, world):
    app.config["TWILIO_AUTH_TOKEN"] = None  # no Twilio: the app's own webhook key signs
    page = app.test_client()
    login(page, world["admin"])
    response = post_form(page, "/admin/phone/ring", {"number": "090-1111-2222", "keys": "1"}, form_page="/admin/phone")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "+81300000201" in html  # the person on duty is rung
    call = db.exec(select(Call).order_by(Call.id.desc())).first()
    assert call.from_e164 == INSURED_PHONE and call.status == "connecting" and call.organization_ids == [world["org"].id]
    response = post_form(page, f"/admin/phone/{call.id}/leg", {"answered": "yes", "duration": "180"},
                         form_page="/admin/phone")
    assert response.status_code == 200
    db.expire_all()
    call = db.get(Call, call.id)
    assert call.status == "answered" and call.duration_seconds == 180 and call.answered_by_id == world["operator"].id
    # Without the key, the same request is refused: the simulator signs, nobody else can.
    assert post(app.test_client(), "/twilio/voice", twilio_form(new_sid(), INSURED_PHONE), token="guess").status_code == 403


def test_one_simulator_page_for_calls_and_texts_with_one_nav_entry(app, db, world):
    page = app.test_client()
    login(page, world["admin"])
    html = page.get("/admin/phone").get_data(as_text=True)
    nav = html.split("<nav>")[1].split("</nav>")[0]
    assert nav.count('href="/admin/phone"') == 1 and "/admin/simulator" not in nav
    assert 'action="/admin/phone/ring"' in html and 'action="/admin/phone/text"' in html
    assert page.get("/admin/simulator/text").status_code == 404  # retired: the one page is /admin/phone
    # A text sent from the page comes back to the page, the calls' part still there; bad input stays on it.
    response = post_form(page, "/admin/phone/text", {"from_number": "090-1111-2222", "body": world["case"].reference},
                         form_page="/admin/phone")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "sms-reply" in html and 'action="/admin/phone/ring"' in html
    response = post_form(page, "/admin/phone/text", {"from_number": "no", "body": ""}, form_page="/admin/phone")
    assert response.status_code == 422 and 'action="/admin/phone/ring"' in response.get_data(as_text=True)


def test_a_missed_call_not_called_back_alerts_once_through_the_clock(app, client, db, world):
    sid = _ring(client)
    post(client, "/twilio/voice/menu", twilio_form(sid, INSURED_PHONE, Digits="1"))
    post(client, "/twilio/voice/dial-result?step=0", twilio_form(sid, INSURED_PHONE, DialCallStatus="no-answer"))
    ended = _call(db, sid).ended_at
    clock.tick(app, now=ended + dt.timedelta(minutes=14))
    assert not db.exec(select(OutboxMessage).where(OutboxMessage.source == f"call:{_call(db, sid).id}")).all()
    clock.tick(app, now=ended + dt.timedelta(minutes=15))
    clock.tick(app, now=ended + dt.timedelta(minutes=16))
    sent = db.exec(select(OutboxMessage).where(OutboxMessage.source == f"call:{_call(db, sid).id}")).all()
    assert sorted(m.to for m in sent) == ["+81300000201", "+81300000202"]  # on duty, and the coordinator
    assert all(INSURED_PHONE in m.body and "不在着信" in m.body for m in sent)


def test_a_call_back_in_time_alerts_nobody(app, client, db, world):
    sid = _ring(client)
    post(client, "/twilio/voice/menu", twilio_form(sid, INSURED_PHONE, Digits="1"))
    post(client, "/twilio/voice/dial-result?step=0", twilio_form(sid, INSURED_PHONE, DialCallStatus="no-answer"))
    call = _call(db, sid)
    service.mark_called_back(db, call, actor=world["operator"], now=call.ended_at + dt.timedelta(minutes=5))
    clock.tick(app, now=call.ended_at + dt.timedelta(minutes=30))
    assert not db.exec(select(OutboxMessage).where(OutboxMessage.source == f"call:{call.id}")).all()


def test_the_clock_warns_once_of_a_window_with_nobody(app, db, world):
    for entry in db.exec(select(RosterEntry)).all():
        db.delete(entry)
    db.commit()
    service.add_roster_entry(db, user_id=world["operator"].id, weekdays="0123456", starts=dt.time(9),
                             ends=dt.time(18), position=0, actor=None)
    at = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))  # a Friday, 10:00 JST
    clock.tick(app, now=at)
    clock.tick(app, now=at + dt.timedelta(minutes=5))
    warnings = db.exec(select(RosterWarning)).all()
    assert [(w.gap_starts_at.astimezone(at.tzinfo).hour, w.gap_ends_at.astimezone(at.tzinfo).hour)
            for w in warnings] == [(18, 9)]
    sent = db.exec(select(OutboxMessage).where(OutboxMessage.source == "roster")).all()
    assert sorted(m.to for m in sent) == ["+81300000202", "+81300000203"]  # the coordinator and the admin


def test_a_caller_who_hangs_up_in_the_menu_abandons_the_call(app, client, db, world):
    sid = _ring(client)
    started = _call(db, sid).started_at
    clock.tick(app, now=started + dt.timedelta(minutes=9))
    assert _call(db, sid).status == "ringing"
    clock.tick(app, now=started + dt.timedelta(minutes=10))
    assert _call(db, sid).status == "abandoned"
    # Twilio's status callback (POST /twilio/status) says so at once: the same end.
    other = _ring(client)
    service.call_ended(db, other, now=utcnow())
    assert _call(db, other).status == "abandoned"
