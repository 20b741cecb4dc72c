"""The notifier adapters: the outbox by default, Twilio through the real client against a fake API."""
from hotline.outbox import service
from hotline.outbox.models import OutboxMessage
from vendors.notifier import Message, OutboxNotifier, TwilioNotifier, notifier_from_config


def test_outbox_is_the_default_and_keeps_the_message(db):
    notifier = notifier_from_config({})
    assert isinstance(notifier, OutboxNotifier)
    row = service.send(db, notifier, channel="sms", to="+819012345678", body="テスト", source="test:1")
    db.commit()
    assert db.get(OutboxMessage, row.id).status == "queued"


def test_twilio_sms_and_voice_through_the_real_client(fake_twilio, db):
    notifier = notifier_from_config({"TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
                                     "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
                                     "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_API_BASE_URL": fake_twilio.url})
    assert isinstance(notifier, TwilioNotifier)
    row = service.send(db, notifier, channel="sms", to="+819012345678", body="事故受付 CY-2026-000001")
    assert row.status == "sent" and row.provider_id.startswith("SM") and row.adapter == "twilio"
    (sms,) = fake_twilio.messages()
    assert sms.form == {"To": "+819012345678", "From": "+15005550006", "Body": "事故受付 CY-2026-000001"}
    assert sms.auth == (fake_twilio.account_sid, fake_twilio.auth_token)
    assert sms.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    call = notifier.deliver(Message(channel="voice", to="+819012345678", body="至急 <確認> ください"))
    assert call.status == "sent" and call.provider_id.startswith("CA")
    assert "至急 &lt;確認&gt; ください" in fake_twilio.calls()[0].form["Twiml"]


def test_twilio_error_is_recorded_not_raised(fake_twilio, db):
    fake_twilio.fail_with = (400, 21211, "The 'To' number is not a valid phone number.")
    notifier = TwilioNotifier(fake_twilio.account_sid, fake_twilio.auth_token, "+15005550006",
                              api_base_url=fake_twilio.url)
    row = service.send(db, notifier, channel="sms", to="+81000", body="x")
    assert row.status == "failed" and "21211" in row.error


def test_twilio_unreachable_is_recorded(db):
    notifier = TwilioNotifier("AC" + "b" * 32, "t", "+15005550006", api_base_url="http://127.0.0.1:9", timeout=2)
    row = service.send(db, notifier, channel="sms", to="+819012345678", body="x")
    assert row.status == "failed" and "unreachable" in row.error
