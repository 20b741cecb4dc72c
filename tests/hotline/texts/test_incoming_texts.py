"""POST /twilio/sms as Twilio sends it: form fields, X-Twilio-Signature computed with the real
twilio.request_validator, TwiML answers parsed with xml.etree; case references in any format, only for the case's
organisation; vendors answering YES / NO / はい / いいえ; help text; unknown numbers; the timeline; 403s."""
import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from sqlmodel import select
from twilio.request_validator import RequestValidator

from hotline.audit.models import AuditEvent
from hotline.db import utcnow
from hotline.deadlines.models import Deadline
from hotline.dispatch.messages import OUTCOME_TEXT
from hotline.dispatch.models import Dispatch, DispatchAttempt
from hotline.i18n import deadline_view, render
from hotline.outbox.models import OutboxMessage
from hotline.twilio_webhooks import auth_token
from tests.support import said
from workflows.text import Text

URL = "http://localhost/twilio/sms"
INSURED = "+819012345678"
STRANGER = "+819099998888"


def twilio_form(sender: str, body: str) -> dict:
    """The fields Twilio posts for an incoming SMS (https://www.twilio.com/docs/messaging/guides/webhook-request)."""
    return {"ToCountry": "JP", "ToState": "", "SmsMessageSid": "SM" + "1" * 32, "NumMedia": "0", "ToCity": "",
            "FromZip": "", "SmsSid": "SM" + "1" * 32, "FromState": "", "SmsStatus": "received", "FromCity": "",
            "Body": body, "FromCountry": "JP", "To": "+815012345678", "ToZip": "", "NumSegments": "1",
            "MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "a" * 32, "From": sender, "ApiVersion": "2010-04-01"}


def post_text(client, app, sender, body, *, form=None, signature=None):
    form = form if form is not None else twilio_form(sender, body)
    if signature is None:
        signature = RequestValidator(auth_token(app.config)).compute_signature(URL, form)
    return client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": signature})


def reply_of(response) -> str:
    assert response.status_code == 200 and response.mimetype == "text/xml", response.get_data(as_text=True)
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    (message,) = root.findall("Message")
    return message.text


def outcome(what: str) -> str:
    return render(Text(OUTCOME_TEXT[what]), "ja")


def texts_on_timeline(db, case_id):
    return list(db.exec(select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == "text_received")))


@pytest.fixture
def insured_case(factory):
    """A case of an organisation whose insured contact is INSURED, discovered an hour ago with EU data subjects:
    its next deadline is the GDPR notification, 72 hours after discovery."""
    org = factory.org("株式会社テキスト")
    policy = factory.policy(org)
    discovered = utcnow().replace(microsecond=0) - dt.timedelta(hours=1)
    return factory.case(policy, reference="CY-2026-000123", contact_phone="090-1234-5678",
                        first_discovered_at=discovered, reported_at=discovered + dt.timedelta(minutes=30),
                        eu_data_subjects=True, personal_records_affected=0)


@pytest.mark.parametrize("typed", ["CY-2026-000123", "HL-2026-000123", "000123", "123", "ＣＹ－２０２６－０００１２３",
                                   "１２３", "cy-2026-000123 の状況は？"])
def test_the_insured_gets_the_phase_and_next_deadline_for_any_form_of_the_reference(client, app, db, insured_case,
                                                                                    typed):
    reply = reply_of(post_text(client, app, INSURED, typed))
    gdpr = db.exec(select(Deadline).where(Deadline.case_id == insured_case.id,
                                          Deadline.kind == "gdpr_authority")).one()
    assert gdpr.due_at == insured_case.first_discovered_at + dt.timedelta(hours=72)
    view = deadline_view(gdpr, "ja", utcnow())
    assert reply.startswith("[hotline] CY-2026-000123：現在のフェーズは「受付」です。次の期限：")
    assert "GDPR監督機関への通知" in reply and view.when in reply
    (event,) = texts_on_timeline(db, insured_case.id)
    assert event.params["body"] == typed and event.params["phone"] == INSURED
    assert "+819012345678" in said(event) and typed in said(event)
    row = db.exec(select(OutboxMessage).where(OutboxMessage.adapter == "twiml")).one()
    assert (row.to, row.body, row.case_id, row.status) == (INSURED, reply, insured_case.id, "sent")


def test_the_reply_is_in_the_contacts_language(client, app, db, factory, insured_case):
    insured_case.contact_language = "en"
    db.add(insured_case)
    db.commit()
    reply = reply_of(post_text(client, app, INSURED, "123"))
    assert reply.startswith("[hotline] CY-2026-000123: Intake. Next deadline: GDPR notification to the supervisory")


def test_an_insured_user_of_the_company_may_ask_too_and_a_closed_case_says_so(client, app, db, factory, insured_case):
    factory.user("insured", _org_of(db, insured_case), phone="+818011112222", language="en")
    insured_case.status = "closed"
    db.add(insured_case)
    db.commit()
    assert reply_of(post_text(client, app, "+818011112222", "000123")) == "[hotline] CY-2026-000123: the case is closed."


def _org_of(db, case):
    from hotline.orgs.models import Organization, Policy

    return db.get(Organization, db.get(Policy, case.policy_id).organization_id)


def test_an_unknown_number_or_another_company_learns_nothing(client, app, db, factory, insured_case):
    other_org = factory.org("別会社")
    factory.case(factory.policy(other_org), reference="CY-2026-000777", contact_phone="+817033334444")
    real = reply_of(post_text(client, app, STRANGER, "CY-2026-000123"))
    missing = reply_of(post_text(client, app, STRANGER, "CY-2026-000999"))
    other = reply_of(post_text(client, app, "+817033334444", "CY-2026-000123"))
    own_missing = reply_of(post_text(client, app, "+817033334444", "CY-2026-000999"))
    assert real == missing == other == own_missing  # the same words whether the case exists, and whose it is
    assert "CY-2026-000123" not in real and "受付" not in real and "GDPR" not in real
    assert texts_on_timeline(db, insured_case.id) == []


def test_anything_else_gets_the_help_text(client, app, db, insured_case):
    help_known = reply_of(post_text(client, app, INSURED, "こんにちは"))
    assert "参照番号" in help_known and "Text its reference" not in help_known
    help_unknown = reply_of(post_text(client, app, STRANGER, "hello"))
    assert help_unknown.startswith(help_known) and "text its reference" in help_unknown  # both languages
    assert texts_on_timeline(db, insured_case.id) == []


@pytest.mark.parametrize("form", [
    {}, {"From": ""}, {"From": "not a number", "Body": "123"}, {"From": INSURED}, {"From": "+81", "Body": "\x00123"},
    {"From": INSURED, "Body": "1" * 5000}, {"From": "ＴＷＩＬＩＯ", "Body": "はい"}, {"Body": "YES"},
])
def test_malformed_fields_get_the_help_text_not_an_error(client, app, db, insured_case, form):
    response = post_text(client, app, None, None, form=form)
    assert reply_of(response)


def test_missing_or_wrong_signature_is_403_and_records_nothing(client, app, db, insured_case):
    form = twilio_form(INSURED, "123")
    assert client.post("/twilio/sms", data=form).status_code == 403
    assert post_text(client, app, INSURED, "123", signature="bogus").status_code == 403
    signed = RequestValidator(auth_token(app.config)).compute_signature(URL, form)
    tampered = {**form, "From": STRANGER}
    assert client.post("/twilio/sms", data=tampered, headers={"X-Twilio-Signature": signed}).status_code == 403
    wrong_key = RequestValidator("another-token").compute_signature(URL, form)
    assert post_text(client, app, INSURED, "123", signature=wrong_key).status_code == 403
    assert texts_on_timeline(db, insured_case.id) == [] and db.exec(select(OutboxMessage)).all() == []


def test_behind_a_proxy_the_public_url_is_signed(app, db, insured_case):
    """TRUST_PROXY: Twilio signs https://hotline.example.jp/twilio/sms; the app sees the forwarded request."""
    from hotline import create_app

    proxied = create_app({**app.config, "TRUST_PROXY": True, "PUBLIC_BASE_URL": "https://hotline.example.jp"})
    form = twilio_form(INSURED, "123")
    signature = RequestValidator(auth_token(proxied.config)).compute_signature("https://hotline.example.jp/twilio/sms",
                                                                                form)
    response = proxied.test_client().post("/twilio/sms", data=form, headers={
        "X-Twilio-Signature": signature, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hotline.example.jp"})
    assert "CY-2026-000123" in reply_of(response)
    proxied.extensions["hotline.engine"].dispose()


# --- Vendors answering their dispatch by text ----------------------------------------------------------
@pytest.fixture
def dispatched(factory, api_as):
    coord = api_as(factory.user("coordinator"))
    case = factory.case(attack_confirmed="yes")
    vendor = coord.post("/vendors", json={"name": "LAC", "capabilities": ["forensics"], "hours": "24x7",
                                          "contacts": [{"name": "当番", "phone": "+81300000101"},
                                                       {"name": "副当番", "phone": "+81300000102"}]}).get_json()
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": vendor["id"], "capability": "forensics", "brief": "調査"}).get_json()
    return case, d["id"]


@pytest.mark.parametrize("typed,status", [("YES", "accepted"), ("はい", "accepted"), ("ＹＥＳ", "accepted"),
                                          ("yes.", "accepted"), ("はい。", "accepted")])
def test_a_vendor_accepts_by_text_like_the_signed_link(client, app, db, dispatched, typed, status):
    case, dispatch_id = dispatched
    reply = reply_of(post_text(client, app, "+81300000101", typed))
    assert reply == outcome("accepted") and reply.startswith("ご受諾")
    dispatch = db.get(Dispatch, dispatch_id)
    db.refresh(dispatch)
    assert dispatch.status == status
    attempt = db.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == dispatch_id)).one()
    assert (attempt.outcome, attempt.answered_via) == ("accepted", "sms")
    kinds = [e.kind for e in db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id))]
    assert kinds[-2:] == ["text_received", "vendor_accepted"]
    accepted = db.exec(select(AuditEvent).where(AuditEvent.kind == "vendor_accepted")).one()
    assert "by text message" in said(accepted)
    # a second answer changes nothing
    assert reply_of(post_text(client, app, "+81300000101", "NO")) == outcome("already_used")
    db.refresh(dispatch)
    assert dispatch.status == "accepted"


@pytest.mark.parametrize("typed", ["NO", "いいえ", "ｎｏ", "No!"])
def test_a_vendor_declines_by_text_like_the_signed_link(client, app, db, dispatched, typed):
    """A decline passes the request on (the company declined: no other vendor here, so the dispatch ends)."""
    case, dispatch_id = dispatched
    assert reply_of(post_text(client, app, "+81300000101", typed)) == outcome("declined")
    attempts = db.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == dispatch_id)
                       .order_by(DispatchAttempt.step)).all()
    assert [(a.phone, a.outcome, a.answered_via) for a in attempts] == [("+81300000101", "declined", "sms")]
    db.expire_all()
    assert db.get(Dispatch, dispatch_id).status == "declined"


def test_a_vendor_with_two_requests_must_name_one(client, app, db, factory, api_as, dispatched):
    case, first = dispatched
    coord = api_as(factory.user("coordinator"))
    other = factory.case(attack_confirmed="yes")
    vendor_id = db.get(Dispatch, first).vendor_id
    second = coord.post(f"/cases/{other.reference}/dispatches",
                        json={"vendor_id": vendor_id, "capability": "forensics", "brief": "別件"}).get_json()["id"]
    reply = reply_of(post_text(client, app, "+81300000101", "YES"))
    assert f"#{first} ({case.reference})" in reply and f"#{second} ({other.reference})" in reply
    assert db.get(Dispatch, first).status == "pending"
    assert "#999" not in reply_of(post_text(client, app, "+81300000101", "YES 999"))
    reply_of(post_text(client, app, "+81300000101", f"はい {second}"))
    db.expire_all()
    assert (db.get(Dispatch, first).status, db.get(Dispatch, second).status) == ("pending", "accepted")


def test_yes_from_a_number_without_a_request_is_not_an_answer(client, app, db, dispatched, insured_case):
    reply = reply_of(post_text(client, app, STRANGER, "YES"))
    assert "参照番号" in reply
    db.expire_all()
    assert db.get(Dispatch, dispatched[1]).status == "pending"
