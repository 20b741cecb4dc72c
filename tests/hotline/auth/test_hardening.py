"""Issue 14, accounts: login throttling by account and by address, the API's 429, the dummy hash of an unknown
address, logging out ending the session and the remember cookie everywhere, tokens revoked on a new password."""
from __future__ import annotations

import pytest

from hotline.accounts import service as accounts
from hotline.accounts.links import AccountSettings
from hotline.auth import service
from tests.hotline.accounts.test_invitations import NEW_PASSWORD, link_in, mails
from tests.support import FAST_HASH, PASSWORD, Api, csrf_from, login


def attempt(client, email: str, password: str, lang: str = "ja"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(client, "/login")},
                       headers={"Accept-Language": lang})


@pytest.fixture
def limits(app):
    app.config.update(LOGIN_LIMIT_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_ADDRESS="6 per 15 minutes",
                      API_TOKEN_LIMIT_ADDRESS="3 per 15 minutes")


def test_wrong_passwords_for_one_account_stop_even_the_right_one(app, factory, limits):
    user = factory.user("coordinator")
    client = app.test_client()
    for _ in range(3):
        assert attempt(client, user.email, "wrong-password-x").status_code == 401
    r = attempt(client, user.email.upper(), PASSWORD)  # the same account, however it is typed
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 900
    page = r.get_data(as_text=True)
    assert "失敗した試行が多すぎます。15分待ってから再度お試しください。" in page and 'id="email"' in page
    english = attempt(client, user.email, PASSWORD, lang="en").get_data(as_text=True)
    assert "Too many failed attempts: wait 15 minutes and try again." in english
    assert client.get("/dashboard").status_code == 302  # not logged in
    other = factory.user("operator")  # another account from the same address still logs in
    assert attempt(client, other.email, PASSWORD).status_code == 302


def test_wrong_logins_from_one_address_stop_every_account_from_it(app, factory, limits):
    user = factory.user("operator")
    client = app.test_client()
    for i in range(6):
        assert attempt(client, f"nobody{i}@example.jp", "wrong-password-x").status_code == 401
    assert attempt(client, user.email, PASSWORD).status_code == 429
    elsewhere = app.test_client()  # another address is not concerned
    r = elsewhere.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": csrf_from(elsewhere, "/login")},
                       environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert r.status_code == 302


def test_a_successful_login_clears_its_accounts_count(app, factory, limits):
    user = factory.user("operator")
    client = app.test_client()
    for _ in range(2):
        attempt(client, user.email, "wrong-password-x")
    assert attempt(client, user.email, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client, "/dashboard")})
    for _ in range(2):
        assert attempt(client, user.email, "wrong-password-x").status_code == 401
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_unknown_tokens_from_one_address_get_429_in_the_api_envelope(app, client, factory, api_as, limits):
    for _ in range(3):
        assert Api(client, "hl_guessed-token").get("/cases").status_code == 401
    r = Api(client, "hl_guessed-token").get("/cases")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    error = r.get_json()["error"]
    assert error["code"] == "too_many_requests" and error["fields"] == {} and error["retry_after"] >= 1
    assert "Too many failed attempts" in error["message"]
    assert api_as(factory.user("operator")).get("/cases").status_code == 200  # a real token still works


def test_an_unknown_address_is_checked_against_a_hash_of_the_same_method_and_cost(app, factory, monkeypatch):
    """A property, not a timing: the hash checked for an unknown address has the parameters of a real one."""
    checked: list[str] = []
    real = service.check_password_hash
    monkeypatch.setattr(service, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    method = "pbkdf2:sha256:2000"  # not the tests' usual one: the dummy must follow PASSWORD_HASH_METHOD
    app.config["PASSWORD_HASH_METHOD"] = method
    user = service.create_user(factory.s, email="known@example.jp", role="operator", password=PASSWORD,
                               hash_method=method)
    attempt(app.test_client(), user.email, "wrong-password-x")
    attempt(app.test_client(), "nobody@example.jp", "wrong-password-x")
    known, unknown = checked
    assert known.split("$")[0] == unknown.split("$")[0] == method
    assert service.dummy_hash("scrypt").split("$")[0] == "scrypt:32768:8:1"  # the production default's cost


def test_logging_out_ends_the_session_and_the_remember_cookie_even_copied(app, factory):
    user = factory.user("coordinator")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "on",
                                "csrf_token": csrf_from(client, "/login")})
    session_cookie, remember = client.get_cookie("session").value, client.get_cookie("remember_token").value
    other_device = app.test_client()
    login(other_device, user)
    assert client.post("/logout", data={"csrf_token": csrf_from(client, "/dashboard")}).status_code == 302
    for cookies in ({"session": session_cookie}, {"remember_token": remember}):
        thief = app.test_client()
        for name, value in cookies.items():
            thief.set_cookie(name, value)
        assert thief.get("/dashboard").status_code == 302, cookies  # to the login page
    assert other_device.get("/dashboard").status_code == 302
    login(app.test_client(), user)  # logging in again works


def test_a_new_password_revokes_the_users_api_tokens(app, db, factory, api_as):
    admin = factory.user("admin")
    user = factory.user("operator")
    api = api_as(user)
    assert api.get("/cases").status_code == 200
    service.update_user(db, user, role="operator", password="another-long-password", hash_method=FAST_HASH,
                        actor=admin)
    assert api.get("/cases").status_code == 401
    fresh = api_as(user)
    assert fresh.get("/cases").status_code == 200
    service.update_user(db, user, role="operator", display_name="名前だけ変更", actor=admin)
    assert fresh.get("/cases").status_code == 200  # other changes keep the tokens


def test_a_password_set_through_a_reset_link_revokes_the_tokens(app, db, factory, api_as):
    user = factory.user("insured")
    api = api_as(user)
    settings = AccountSettings.from_config(app.config)
    with app.app_context():
        accounts.request_reset(db, email=user.email, notifier=app.extensions["hotline.notifier"], settings=settings)
    token = link_in(mails(db, user.email)[0]).rsplit("/", 1)[1]
    accounts.set_password(db, "password_reset", token, NEW_PASSWORD, settings=settings, hash_method=FAST_HASH)
    assert api.get("/cases").status_code == 401
