"""The notifier adapters: the outbox by default, Twilio through the real client against a fake API."""
from hotline.outbox import service
from hotline.outbox.models import OutboxMessage
from vendors.notifier import Message, from_config
from vendors.notifier.outbox import OutboxNotifier
from vendors.notifier.twilio import TwilioNotifier


def committed(db, notifier, **message):
    """Send one message and commit: a provider gets it after the commit (hotline/outbox/delivery.py)."""
    row = service.send(db, notifier, **message)
    db.commit()
    db.expire_all()
    return db.get(OutboxMessage, row.id)

def test_outbox_is_the_default_and_keeps_the_message(db):
    notifier = from_config({})
    assert isinstance(notifier, OutboxNotifier)
    row = committed(db, notifier, channel="sms", to="+819012345678", body="テスト", source="test:1")
    db.commit()
    assert db.get(OutboxMessage, row.id).status == "queued"


def test_twilio_sms_and_voice_through_the_real_client(fake_twilio, db):
    notifier = from_config({"TWILIO_ACCOUNT_SID": fake_twilio.account_sid, "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
                            "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_API_BASE_URL": fake_twilio.url})
    assert isinstance(notifier.adapter_for("sms"), TwilioNotifier) and notifier.adapter_for("voice") is notifier.adapter_for("sms")
    assert isinstance(notifier.adapter_for("email"), OutboxNotifier)  # e-mail stays in the outbox without SMTP_URL
    row = committed(db, notifier, channel="sms", to="+819012345678", body="事故受付 CY-2026-000001")
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
    row = committed(db, notifier, channel="sms", to="+81000", body="x")
    assert row.status == "failed" and "21211" in row.error


def test_twilio_unreachable_is_recorded(db):
    notifier = TwilioNotifier("AC" + "b" * 32, "t", "+15005550006", api_base_url="http://127.0.0.1:9", timeout=2)
    row = committed(db, notifier, channel="sms", to="+819012345678", body="x")
    assert row.status == "failed" and "unreachable" in row.error


def test_only_the_twilio_adapter_imports_twilio_and_only_the_app_factory_builds_a_notifier():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    importers, builders = [], []
    for path in [*root.glob("hotline/**/*.py"), *root.glob("vendors/**/*.py"), *root.glob("workflows/**/*.py")]:
        tree = ast.parse(path.read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        if any(m and m.split(".")[0] == "twilio" for m in modules):
            importers.append(str(path.relative_to(root)))
        if any(isinstance(n, ast.ImportFrom) and n.module == "vendors.notifier"
               and "from_config" in {a.name for a in n.names} for n in ast.walk(tree)) \
                or "notifier.from_config(" in path.read_text():
            builders.append(str(path.relative_to(root)))
    assert importers == ["vendors/notifier/twilio.py"]
    assert builders == ["hotline/__init__.py"]


def test_the_app_builds_its_notifier_once(app):
    notifier = app.extensions["hotline.notifier"]
    assert isinstance(notifier, OutboxNotifier)
    with app.app_context():
        from hotline.extensions import notifier as app_notifier

        assert app_notifier() is notifier
