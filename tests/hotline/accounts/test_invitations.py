"""Invitations and accounts: a coordinator invites an insured by e-mail, the link sets a password once and only
until it expires, a forgotten password works the same way (and never says whether an address exists), an admin
deactivates an insured and their session and tokens stop working."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import select

from hotline.accounts import service
from hotline.accounts.links import AccountSettings, LinkError, make_token
from hotline.accounts.models import AccountLink
from hotline.auth.models import User
from hotline.outbox.models import OutboxMessage
from tests.support import PASSWORD, Api, csrf_from, login

LINK = re.compile(r"http://localhost(/account/setup/|/password/reset/)([\w.\-]+)")
NEW_PASSWORD = "a-brand-new-passphrase"


def mails(db, to: str) -> list[OutboxMessage]:
    db.rollback()
    return list(db.exec(select(OutboxMessage).where(OutboxMessage.to == to, OutboxMessage.channel == "email")
                        .order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1) + match.group(2)


def set_password(client, path: str, password: str = NEW_PASSWORD):
    token = csrf_from(client, path)
    return client.post(path, data={"password": password, "confirm": password, "csrf_token": token})


@pytest.fixture
def org(factory):
    return factory.org("株式会社サンプル商事")


def test_a_coordinator_invites_an_insured_who_sets_a_password_once(client, db, factory, api_as, org, app):
    coordinator = factory.user("coordinator")
    r = api_as(coordinator).post(f"/organizations/{org.id}/invitations", json={"email": "Sato@Sample.example",
                                                                               "name": "佐藤 一郎"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["email"] == "sato@sample.example" and body["organization_id"] == org.id and body["status"] == "invited"
    (mail,) = mails(db, "sato@sample.example")
    assert mail.status == "queued" and mail.adapter == "outbox"
    assert mail.subject == "【サイバー事故ホットライン】事故対応ページのご案内"  # Japanese until they choose
    assert "佐藤 一郎" in mail.body and "株式会社サンプル商事" in mail.body
    path = link_in(mail)
    assert path.startswith("/account/setup/")
    # Before the password is set, nothing logs in (not even an empty or guessed password).
    user = db.exec(select(User).where(User.email == "sato@sample.example")).one()
    assert user.role.value == "insured" and user.organization_id == org.id and not service.has_password(user)
    assert client.post("/login", data={"email": user.email, "password": "!",
                                       "csrf_token": csrf_from(client, "/login")}).status_code == 401
    page = client.get(path)
    assert page.status_code == 200 and "sato@sample.example" in page.get_data(as_text=True)
    r = set_password(client, path)
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")  # logged in
    assert "株式会社サンプル商事" in client.get("/dashboard").get_data(as_text=True)
    # The link worked once.
    again = app.test_client()
    assert again.get(path).status_code == 410
    assert set_password(app.test_client(), "/password/forgot").status_code in (200, 422)  # (a page, not the link)
    r = again.post(path, data={"password": "another-passphrase", "confirm": "another-passphrase",
                               "csrf_token": csrf_from(again, "/login")})
    assert r.status_code == 410
    login(app.test_client(), user, NEW_PASSWORD)


def test_passwords_must_match_and_be_long_enough(client, db, factory, api_as, org):
    api_as(factory.user("coordinator")).post(f"/organizations/{org.id}/invitations",
                                             json={"email": "a@sample.example", "name": "A"})
    path = link_in(mails(db, "a@sample.example")[0])
    token = csrf_from(client, path)
    r = client.post(path, data={"password": "short", "confirm": "short", "csrf_token": token},
                    headers={"Accept-Language": "ja"})
    assert r.status_code == 422 and "field-error" in r.get_data(as_text=True)
    r = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x", "csrf_token": token})
    assert r.status_code == 422
    assert set_password(client, path).status_code == 302  # still usable after refused attempts


def test_a_link_expires_and_cannot_be_forged_nor_used_for_another_purpose(db, factory, org, app):
    settings = AccountSettings.from_config(app.config)
    coordinator = factory.user("coordinator")
    now = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
    with app.app_context():
        user, link = service.invite(db, organization_id=org.id, email="b@sample.example", name="B",
                                    actor=coordinator, notifier=app.extensions["hotline.notifier"],
                                    settings=settings, now=now)
    token = link_in(mails(db, "b@sample.example")[0]).rsplit("/", 1)[1]
    assert link.expires_at == now + dt.timedelta(hours=72)
    service.open_link(db, "invitation", token, settings=settings, now=link.expires_at - dt.timedelta(seconds=1))
    with pytest.raises(LinkError) as exc:
        service.open_link(db, "invitation", token, settings=settings, now=link.expires_at)
    assert exc.value.reason == "expired"
    with pytest.raises(LinkError) as exc:  # signed for an invitation: not a reset link
        service.open_link(db, "password_reset", token, settings=settings, now=now)
    assert exc.value.reason == "invalid"
    forged = make_token("another-secret", "invitation", link.id, link.nonce)
    with pytest.raises(LinkError) as exc:
        service.open_link(db, "invitation", forged, settings=settings, now=now)
    assert exc.value.reason == "invalid"
    wrong_nonce = make_token(settings.secret_key, "invitation", link.id, "guessed")
    with pytest.raises(LinkError):
        service.open_link(db, "invitation", wrong_nonce, settings=settings, now=now)
    with pytest.raises(LinkError) as exc:
        service.set_password(db, "invitation", token, NEW_PASSWORD, settings=settings, hash_method="pbkdf2:sha256:1000",
                             now=link.expires_at + dt.timedelta(minutes=1))
    assert exc.value.reason == "expired"
    assert app.test_client().get(f"/account/setup/{forged}").status_code == 404


def test_inviting_again_replaces_the_link_and_an_existing_account_is_refused(db, factory, api_as, org):
    api = api_as(factory.user("coordinator"))
    assert api.post(f"/organizations/{org.id}/invitations", json={"email": "c@sample.example", "name": "C"}
                    ).status_code == 201
    first = link_in(mails(db, "c@sample.example")[0])
    assert api.post(f"/organizations/{org.id}/invitations", json={"email": "c@sample.example", "name": "C 2",
                                                                  "language": "en"}).status_code == 201
    second = mails(db, "c@sample.example")[1]
    assert second.subject == "[Cyber incident hotline] Your access to your company's incident page"
    assert link_in(second) != first
    staff = factory.user("operator", email="op@hotline.example")
    r = api.post(f"/organizations/{org.id}/invitations", json={"email": staff.email, "name": "X"})
    assert r.status_code == 422 and "email" in r.get_json()["error"]["fields"]
    other = factory.org("他社株式会社")
    r = api.post(f"/organizations/{other.id}/invitations", json={"email": "c@sample.example", "name": "C"})
    assert r.status_code == 422  # an address belongs to one organisation
    assert api.post("/organizations/999999/invitations", json={"email": "z@z.example", "name": "Z"}).status_code == 404
    r = api.post(f"/organizations/{org.id}/invitations", json={"email": "not-an-address", "name": ""})
    assert r.status_code == 422 and {"email", "name"} <= set(r.get_json()["error"]["fields"])


@pytest.mark.parametrize("role,status", [("admin", 201), ("operator", 403), ("insured", 403)])
def test_who_may_invite(role, status, factory, api_as, org):
    user = factory.user(role, org if role == "insured" else None)
    r = api_as(user).post(f"/organizations/{org.id}/invitations", json={"email": f"{role}-x@sample.example",
                                                                        "name": "X"})
    assert r.status_code == status


def test_forgot_password_reads_the_same_for_known_and_unknown_addresses(client, db, factory, app):
    user = factory.user("insured", email="known@sample.example", language="en")

    def ask(email: str) -> str:
        token = csrf_from(client, "/password/forgot")
        r = client.post("/password/forgot", data={"email": email, "csrf_token": token})
        assert r.status_code == 200
        return r.get_data(as_text=True)

    known, unknown = ask("known@sample.example"), ask("nobody@sample.example")
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", known) == strip.sub("", unknown)
    assert mails(db, "nobody@sample.example") == []
    (mail,) = mails(db, user.email)
    assert mail.subject == "[Cyber incident hotline] Setting a new password"  # their language
    path = link_in(mail)
    assert path.startswith("/password/reset/")
    assert set_password(client, path).status_code == 302
    assert app.test_client().get(path).status_code == 410  # once
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD,
                                      "csrf_token": csrf_from(fresh, "/login")}).status_code == 401
    login(app.test_client(), user, NEW_PASSWORD)


def test_a_new_password_ends_the_other_sessions(app, db, factory):
    user = factory.user("insured")
    elsewhere = app.test_client()
    login(elsewhere, user)
    assert elsewhere.get("/dashboard").status_code == 200
    settings = AccountSettings.from_config(app.config)
    with app.app_context():
        service.request_reset(db, email=user.email, notifier=app.extensions["hotline.notifier"], settings=settings)
    token = link_in(mails(db, user.email)[0]).rsplit("/", 1)[1]
    service.set_password(db, "password_reset", token, NEW_PASSWORD, settings=settings,
                         hash_method="pbkdf2:sha256:1000")
    assert elsewhere.get("/dashboard").status_code == 302  # to the login page


def test_an_admin_deactivates_an_insured_and_their_session_and_token_stop(app, db, factory, org, api_as):
    insured = factory.user("insured", org)
    session = app.test_client()
    login(session, insured)
    token_api = api_as(insured)
    assert token_api.get("/cases").status_code == 200
    admin = app.test_client()
    login(admin, factory.user("admin"))
    page = f"/organizations/{org.id}/invitations"
    assert insured.email in admin.get(page).get_data(as_text=True)
    r = admin.post(f"/organizations/{org.id}/insureds/{insured.id}", data={"action": "deactivate",
                                                                          "csrf_token": csrf_from(admin, page)})
    assert r.status_code == 302
    assert session.get("/dashboard").status_code == 302
    assert token_api.get("/cases").status_code == 401
    assert Api(app.test_client(), None).get("/cases").status_code == 401
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": insured.email, "password": PASSWORD,
                                      "csrf_token": csrf_from(fresh, "/login")}).status_code == 401
    # No reset link for a deactivated account either.
    db.expire_all()
    with app.app_context():
        service.request_reset(db, email=insured.email, notifier=app.extensions["hotline.notifier"],
                              settings=AccountSettings.from_config(app.config))
    assert db.exec(select(AccountLink).where(AccountLink.user_id == insured.id)).all() == []
    # A coordinator may invite but not deactivate.
    coordinator = app.test_client()
    login(coordinator, factory.user("coordinator"))
    r = coordinator.post(f"/organizations/{org.id}/insureds/{insured.id}",
                         data={"action": "reactivate", "csrf_token": csrf_from(coordinator, page)})
    assert r.status_code == 403
    r = admin.post(f"/organizations/{org.id}/insureds/{insured.id}", data={"action": "reactivate",
                                                                          "csrf_token": csrf_from(admin, page)})
    assert r.status_code == 302
    login(app.test_client(), insured)


def test_the_invitation_page_invites_and_says_what_is_wrong(app, db, factory, org):
    client = app.test_client()
    login(client, factory.user("coordinator"))
    page = f"/organizations/{org.id}/invitations"
    r = client.post(page, data={"email": "佐藤＠", "name": "", "csrf_token": csrf_from(client, page)},
                    headers={"Accept-Language": "ja"})
    assert r.status_code == 422 and "field-error" in r.get_data(as_text=True)
    assert db.exec(select(User).where(User.organization_id == org.id)).all() == []
    r = client.post(page, data={"email": "ｓａｔｏ＠ｓａｍｐｌｅ．ｅｘａｍｐｌｅ", "name": "佐藤", "language": "ja",
                                "csrf_token": csrf_from(client, page)})
    assert r.status_code == 302
    assert "sato@sample.example" in client.get(page).get_data(as_text=True)
    assert mails(db, "sato@sample.example")
