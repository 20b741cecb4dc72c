"""The e-mail adapter against a real SMTP server started here (aiosmtpd on 127.0.0.1, STARTTLS and AUTH): the
Japanese subject arrives RFC 2047-encoded and decodes as sent, the body as UTF-8; a refusal or an unreachable
server is recorded on the outbox row, never raised."""
from __future__ import annotations

import pytest
from sqlmodel import select

from hotline import create_app
from hotline.outbox import service
from hotline.outbox.models import OutboxMessage
from tests.fake_smtp import free_port, serve
from tests.support import FAST_HASH, Api, Factory
from vendors.notifier import ChannelRouter, from_config
from vendors.notifier.outbox import OutboxNotifier
from vendors.notifier.smtp import SmtpNotifier, parse_url

SENDER = "サイバー事故ホットライン <no-reply@hotline.example>"


@pytest.fixture
def smtp(tmp_path):
    fake, controller = serve(tmp_path)
    yield fake
    controller.stop()



def committed(db, notifier, **message):
    """Send one message and commit: a provider gets it after the commit (hotline/outbox/delivery.py)."""
    row = service.send(db, notifier, **message)
    db.commit()
    db.expire_all()
    return db.get(OutboxMessage, row.id)

def test_japanese_mail_through_starttls_and_auth(smtp, db):
    notifier = from_config({"SMTP_URL": smtp.url(), "MAIL_FROM": SENDER})
    assert isinstance(notifier, ChannelRouter) and isinstance(notifier.adapter_for("email"), SmtpNotifier)
    assert isinstance(notifier.adapter_for("sms"), OutboxNotifier)  # SMS still stays in the outbox
    row = committed(db, notifier, channel="email", to="sato@sample.example", subject="【重要】事故対応のご案内",
                       body="佐藤 様\n\nパスワードを設定してください。\nhttps://hotline.example/account/setup/x")
    assert row.status == "sent" and row.adapter == "smtp" and row.error is None and row.subject == "【重要】事故対応のご案内"
    ((mail_from, rcpt, raw, tls, login),) = smtp.received
    assert tls and login.login == b"hotline"  # authenticated, after STARTTLS
    assert mail_from == "no-reply@hotline.example" and rcpt == ["sato@sample.example"]
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower()  # the subject is RFC 2047-encoded on the wire
    (mail,) = smtp.messages()
    assert mail["Subject"] == "【重要】事故対応のご案内" and mail["To"] == "sato@sample.example"
    assert mail["From"].addresses[0].display_name == "サイバー事故ホットライン"
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_content().replace("\r\n", "\n") == ("佐藤 様\n\nパスワードを設定してください。\n"
                                                        "https://hotline.example/account/setup/x\n")


def test_a_wrong_password_is_recorded_not_raised(smtp, db):
    notifier = from_config({"SMTP_URL": smtp.url(password="wrong"), "MAIL_FROM": SENDER})
    row = committed(db, notifier, channel="email", to="a@sample.example", subject="件名", body="本文")
    assert row.status == "failed" and row.adapter == "smtp" and "535" in row.error
    assert smtp.received == []


def test_an_unreachable_server_is_recorded(db):
    notifier = SmtpNotifier.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=2", SENDER)
    row = committed(db, notifier, channel="email", to="a@sample.example", subject="件名", body="本文")
    assert row.status == "failed" and "unreachable" in row.error


def test_an_untrusted_certificate_is_refused(smtp, db):
    url = smtp.url().split("&cafile=")[0]  # the system's CAs do not know the test's certificate
    row = committed(db, SmtpNotifier.from_url(url, SENDER), channel="email", to="a@sample.example",
                       subject="件名", body="本文")
    assert row.status == "failed" and smtp.received == []


@pytest.mark.parametrize("url,expected", [
    ("smtp://u%40x:p%3Aw@mail.example.jp:587?starttls=1", ("mail.example.jp", 587, False, True, "u@x", "p:w")),
    ("smtps://mail.example.jp", ("mail.example.jp", 465, True, False, None, None)),
    ("smtp://relay.internal", ("relay.internal", 25, False, False, None, None)),
    ("smtp://relay.internal?starttls=1", ("relay.internal", 587, False, True, None, None)),
])
def test_smtp_url(url, expected):
    s = parse_url(url)
    assert (s.host, s.port, s.implicit_tls, s.starttls, s.user, s.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.jp", "smtp://", "smtps://h?starttls=1", "smtp://h?tls=1"])
def test_a_malformed_smtp_url_stops_start_up(url):
    with pytest.raises(ValueError):
        parse_url(url)


def test_an_invitation_goes_out_by_smtp_when_configured(smtp, database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                      "PASSWORD_HASH_METHOD": FAST_HASH, "PUBLIC_BASE_URL": "https://hotline.example",
                      "TWILIO_ACCOUNT_SID": None, "SMTP_URL": smtp.url(), "MAIL_FROM": SENDER})
    app.instance_path = str(tmp_path)
    from sqlmodel import Session

    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as db:
        factory = Factory(db)
        org = factory.org("株式会社サンプル商事")
        api = Api(app.test_client(), factory.token(factory.user("coordinator")))
        r = api.post(f"/organizations/{org.id}/invitations", json={"email": "sato@sample.example", "name": "佐藤"})
        assert r.status_code == 201
        row = db.exec(select(OutboxMessage).where(OutboxMessage.to == "sato@sample.example")).one()
        assert row.adapter == "smtp" and row.status == "sent"
    app.extensions["hotline.engine"].dispose()
    (mail,) = smtp.messages()
    assert mail["Subject"] == "【サイバー事故ホットライン】事故対応ページのご案内"
    assert "株式会社サンプル商事" in mail.get_content() and "https://hotline.example/account/setup/" in mail.get_content()
