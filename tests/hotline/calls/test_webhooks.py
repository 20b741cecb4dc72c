"""The voice webhooks, posted as Twilio posts them: the call row as it rings, the menu in Japanese and English,
the roster rung in order with short timeouts, missed calls, case status only for the case's own company, 403s."""
from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from hotline.calls import service
from hotline.calls.models import Call
from hotline.db import utcnow
from tests.hotline.calls.support import AUTH_TOKEN, dialled, new_sid, post, said, twilio_form, twiml
from tests.support import row_counts

INSURED_PHONE = "+819011112222"
T = dt.time


@pytest.fixture
def line(app, db, factory):
    """Twilio's token, a ring time of 2 s, two people on duty all day, an insured company with a case."""
    app.config.update(TWILIO_AUTH_TOKEN=AUTH_TOKEN, CALL_RING_SECONDS=2, CALLBACK_ALERT_MINUTES=15)
    first = factory.user("operator", phone="+81300000201", display_name="受付 花子")
    second = factory.user("coordinator", phone="+81300000202", display_name="調整 太郎")
    for position, user in enumerate((first, second)):
        service.add_roster_entry(db, user_id=user.id, weekdays="0123456", starts=T(0), ends=T(0), position=position,
                                 actor=None)
    org = factory.org("アクメ株式会社")
    factory.user("insured", org, phone=INSURED_PHONE)
    case = factory.case(factory.policy(org))

    class Line:
        pass

    ln = Line()
    ln.first, ln.second, ln.org, ln.case = first, second, org, case
    return ln


def ring(client, sid: str, number: str = INSURED_PHONE):
    return post(client, "/twilio/voice", twilio_form(sid, number))


def press(client, sid: str, digits: str, *, stage: str | None = None, number: str = INSURED_PHONE):
    path = "/twilio/voice/menu" + (f"?stage={stage}" if stage else "")
    return post(client, path, twilio_form(sid, number, CallStatus="in-progress", Digits=digits))


def dial_ended(client, sid: str, step: int, status: str, duration: int | None = None):
    form = twilio_form(sid, INSURED_PHONE, CallStatus="in-progress", DialCallStatus=status,
                       DialCallSid="CA" + "f" * 32)
    if duration is not None:
        form["DialCallDuration"] = str(duration)
    return post(client, f"/twilio/voice/dial-result?step={step}", form)


def _call(db, sid: str) -> Call:
    db.expire_all()
    return db.exec(select(Call).where(Call.sid == sid)).one()


def test_a_call_is_recorded_as_it_rings_with_what_its_number_matches(client, db, line):
    sid, before = new_sid(), utcnow()
    root = twiml(ring(client, sid))
    call = _call(db, sid)
    assert (call.from_number, call.from_e164, call.to_number, call.status) == (INSURED_PHONE, INSURED_PHONE,
                                                                               "+81300001000", "ringing")
    assert before - dt.timedelta(seconds=1) <= call.started_at <= utcnow()
    assert call.organization_ids == [line.org.id] and call.case_ids == [line.case.id]
    gather = root.find("Gather")
    assert gather.get("action") == "http://localhost/twilio/voice/menu" and gather.get("numDigits") == "1"
    languages = [lang for lang, _text in said(gather)]
    assert languages[0] == "ja-JP" and languages[-1] == "en-US"  # Japanese first, "For English, press 9"
    assert "お電話" in said(gather)[0][1]
    # Silence goes to a person, never nowhere.
    assert root.find("Redirect").text == "http://localhost/twilio/voice/menu?stage=operator"
    # Twilio repeating the request does not make a second row.
    twiml(ring(client, sid))
    assert len(db.exec(select(Call).where(Call.sid == sid)).all()) == 1


def test_an_unknown_number_is_recorded_and_matches_nothing(client, db, line):
    sid = new_sid()
    twiml(ring(client, sid, "+815012345678"))
    call = _call(db, sid)
    assert call.organization_ids == [] and call.case_ids == []


@pytest.mark.parametrize("signature", [None, "another-token"])
@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/voice/menu", "/twilio/voice/dial-result?step=0"])
def test_a_missing_or_wrong_signature_is_refused_and_writes_nothing(client, db, line, path, signature):
    before = row_counts(db)
    response = post(client, path, twilio_form(new_sid(), INSURED_PHONE, Digits="1"), token=signature)
    assert response.status_code == 403
    assert row_counts(db) == before


def test_a_signature_for_other_fields_is_refused(client, line):
    form = twilio_form(new_sid(), INSURED_PHONE)
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(AUTH_TOKEN).compute_signature("http://localhost/twilio/voice", form)
    response = client.post("/twilio/voice", data={**form, "From": "+819099999999"},
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_behind_the_proxy_the_public_url_is_signed(app, client, db, line):
    app.config["PUBLIC_BASE_URL"] = "https://hotline.example.jp"
    sid = new_sid()
    root = twiml(post(client, "/twilio/voice", twilio_form(sid, INSURED_PHONE), base="https://hotline.example.jp"))
    assert root.find("Gather").get("action") == "https://hotline.example.jp/twilio/voice/menu"
    assert _call(db, sid).status == "ringing"


def test_a_new_incident_rings_the_roster_in_order_then_becomes_a_missed_call(client, db, line):
    sid = new_sid()
    ring(client, sid)
    root = twiml(press(client, sid, "1"))
    numbers, dial = dialled(root)
    assert numbers == ["+81300000201"] and dial.get("timeout") == "2"
    assert parse_qs(urlparse(dial.get("action")).query) == {"step": ["0"]}
    assert _call(db, sid).status == "connecting" and _call(db, sid).choice == "new"

    root = twiml(dial_ended(client, sid, 0, "no-answer"))
    numbers, dial = dialled(root)
    assert numbers == ["+81300000202"] and parse_qs(urlparse(dial.get("action")).query) == {"step": ["1"]}
    # A repeated request for a step already passed changes nothing.
    twiml(dial_ended(client, sid, 0, "no-answer"))
    assert _call(db, sid).roster_step == 1

    root = twiml(dial_ended(client, sid, 1, "busy"))
    assert root.find("Dial") is None and root.find("Hangup") is not None
    assert "15" in said(root)[0][1]  # when they will be called back
    call = _call(db, sid)
    assert call.status == "missed" and call.ended_at is not None and call.answered_by_id is None


def test_the_first_to_answer_is_recorded_with_the_duration(client, db, line):
    sid = new_sid()
    ring(client, sid)
    press(client, sid, "0")
    twiml(dial_ended(client, sid, 0, "no-answer"))
    root = twiml(dial_ended(client, sid, 1, "completed", duration=95))
    assert root.find("Hangup") is not None
    call = _call(db, sid)
    assert (call.status, call.answered_by_id, call.duration_seconds, call.choice) == ("answered", line.second.id, 95,
                                                                                      "operator")
    assert call.answered_at == call.ended_at - dt.timedelta(seconds=95)


def test_nobody_on_duty_is_a_missed_call_at_once(client, db, line):
    from hotline.calls.models import RosterEntry

    for entry in db.exec(select(RosterEntry)).all():
        db.delete(entry)
    db.commit()
    sid = new_sid()
    ring(client, sid)
    root = twiml(press(client, sid, "1"))
    assert root.find("Dial") is None and root.find("Hangup") is not None
    assert _call(db, sid).status == "missed"


def test_key_9_speaks_english(client, db, line):
    sid = new_sid()
    ring(client, sid)
    root = twiml(press(client, sid, "9"))
    assert {lang for lang, _t in said(root)} == {"en-US"}
    assert "press 1" in " ".join(t for _l, t in said(root))
    assert _call(db, sid).language == "en"
    root = twiml(press(client, sid, "1"))
    assert said(root)[0][0] == "en-US"


def test_a_wrong_key_repeats_the_menu(client, line):
    sid = new_sid()
    ring(client, sid)
    root = twiml(press(client, sid, "7"))
    assert root.find("Gather") is not None and root.find("Dial") is None


def test_the_case_status_is_read_only_to_the_case_companys_number(client, db, line):
    digits = line.case.reference.replace("CY-", "").replace("-", "")
    sid = new_sid()
    ring(client, sid)
    root = twiml(press(client, sid, "2"))
    gather = root.find("Gather")
    assert gather.get("finishOnKey") == "#" and gather.get("action").endswith("/twilio/voice/menu?stage=reference")
    root = twiml(press(client, sid, digits + "#", stage="reference"))
    spoken = " ".join(t for _l, t in said(root))
    assert " ".join(line.case.reference.split("-")) in spoken and root.find("Dial") is None
    assert _call(db, sid).case_id == line.case.id  # the call is now on the case's timeline

    stranger = new_sid()
    ring(client, stranger, "+815012345678")
    press(client, stranger, "2", number="+815012345678")
    root = twiml(press(client, stranger, digits + "#", stage="reference", number="+815012345678"))
    spoken = " ".join(t for _l, t in said(root))
    assert line.case.reference.split("-")[-1] not in spoken
    assert dialled(root)[0] == ["+81300000201"]  # to a person instead
    unknown = twiml(press(client, stranger, "2099999999#", stage="reference", number="+815012345678"))
    assert said(unknown) == said(root)  # an unknown reference reads exactly the same: nothing is learnt
    assert _call(db, stranger).case_id is None


@pytest.mark.parametrize("form", [
    {"From": "+819011112222"},  # no CallSid
    {"CallSid": "not-a-sid", "From": "+819011112222"},
    {"CallSid": new_sid(), "From": "+819011112222", "Digits": "1' OR 1=1"},
    {"CallSid": new_sid(), "From": "x" * 5000},
    {"CallSid": new_sid(), "From": "\x00"},
])
@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/voice/menu", "/twilio/voice/dial-result?step=x"])
def test_malformed_fields_get_an_apology_and_the_people_on_duty(client, line, form, path):
    root = twiml(post(client, path, form))
    numbers, dial = dialled(root)
    assert numbers == ["+81300000201", "+81300000202"] and dial.get("action") is None
    assert said(root)


def test_a_withheld_number_is_told_to_call_again(client, db, line):
    sid = new_sid()
    twiml(ring(client, sid, "anonymous"))
    assert _call(db, sid).from_e164 is None
    press(client, sid, "1", number="anonymous")
    twiml(dial_ended(client, sid, 0, "no-answer"))
    root = twiml(dial_ended(client, sid, 1, "no-answer"))
    assert "15" not in said(root)[0][1]


def hung_up(client, sid: str, status: str = "completed"):
    """Twilio's status callback of the hotline number (set in its console): the call is over."""
    return post(client, "/twilio/status", twilio_form(sid, INSURED_PHONE, CallStatus=status, CallDuration="12"))


def test_a_caller_hanging_up_in_the_menu_is_abandoned_at_once(client, db, line):
    sid = new_sid()
    ring(client, sid)
    assert post(client, "/twilio/status", twilio_form(sid, INSURED_PHONE, CallStatus="in-progress")).status_code == 204
    assert _call(db, sid).status == "ringing"  # a status that is no end changes nothing
    assert hung_up(client, sid).status_code == 204
    call = _call(db, sid)
    assert call.status == "abandoned" and call.ended_at is not None


def test_a_caller_hanging_up_while_people_are_rung_is_a_missed_call(client, db, line):
    sid = new_sid()
    ring(client, sid)
    press(client, sid, "1")
    assert _call(db, sid).status == "connecting"
    assert hung_up(client, sid, "canceled").status_code == 204
    assert _call(db, sid).status == "missed"


def test_the_end_of_an_answered_call_changes_nothing(client, db, line):
    sid = new_sid()
    ring(client, sid)
    press(client, sid, "1")
    dial_ended(client, sid, 0, "completed", 60)
    assert _call(db, sid).status == "answered"
    hung_up(client, sid)
    assert _call(db, sid).status == "answered"


def test_an_unsigned_hang_up_is_refused_and_changes_nothing(client, db, line):
    sid = new_sid()
    ring(client, sid)
    form = twilio_form(sid, INSURED_PHONE, CallStatus="completed")
    assert post(client, "/twilio/status", form, token=None).status_code == 403
    assert post(client, "/twilio/status", form, token="not-the-token").status_code == 403
    assert _call(db, sid).status == "ringing"
