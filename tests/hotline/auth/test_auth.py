"""Login and logout, CSRF, bearer tokens, and session revocation."""
from sqlmodel import select

from hotline import create_app
from tests.support import PASSWORD, csrf_from, login


def test_login_logout_and_role_dashboard(client, factory):
    user = factory.user("operator")
    assert client.get("/dashboard").status_code == 302  # anonymous → login
    login(client, user)
    page = client.get("/dashboard", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Dashboard: operator" in page.get_data(as_text=True)
    token = csrf_from(client, "/dashboard")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_each_role_lands_on_its_own_dashboard(client, factory):
    for role, marker in [("coordinator", "Dashboard: coordinator"), ("admin", "Dashboard: admin"),
                         ("insured", "Your incidents")]:
        c = client.application.test_client()
        login(c, factory.user(role))
        assert marker in c.get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_wrong_password_and_unknown_user_are_refused_alike(client, factory):
    user = factory.user("coordinator")
    for email, password in [(user.email, "wrong-password"), ("nobody@example.jp", PASSWORD)]:
        token = csrf_from(client, "/login")
        r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
        assert r.status_code == 401
        assert "Wrong e-mail or password" in r.get_data(as_text=True)


def test_login_without_csrf_token_is_rejected(client, factory):
    user = factory.user("operator")
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_logout_without_csrf_token_is_rejected(client, factory):
    login(client, factory.user("operator"))
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_open_redirect_after_login_is_refused(client, factory):
    user = factory.user("operator")
    token = csrf_from(client, "/login")
    r = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD,
                                                              "csrf_token": token})
    assert r.headers["Location"].endswith("/dashboard")


def test_password_change_ends_old_sessions(client, factory, db):
    from hotline.auth.service import update_user

    user = factory.user("operator")
    login(client, user)
    update_user(db, user, password="another-long-password", hash_method="pbkdf2:sha256:1000")
    db.commit()
    assert client.get("/dashboard").status_code == 302


def test_deactivated_user_cannot_log_in(client, factory, db):
    user = factory.user("operator")
    user.is_active = False
    db.add(user)
    db.commit()
    token = csrf_from(client, "/login")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code == 401


def test_bearer_token_missing_wrong_and_revoked(client, factory, db):
    from hotline.auth.models import ApiToken
    from hotline.auth.service import revoke_token

    admin = factory.user("admin")
    token = factory.token(admin)
    assert client.get("/api/v1/organizations").status_code == 401
    r = client.get("/api/v1/organizations", headers={"Authorization": "Bearer hl_wrong"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/organizations", headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert client.get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    row = db.exec(select(ApiToken).where(ApiToken.user_id == admin.id)).one()
    assert token not in (row.token_hash, row.prefix)  # only a hash is stored
    revoke_token(db, row.id)
    db.commit()
    r = client.get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.get_json()["error"]["message"]


def test_token_of_deactivated_user_stops_working(client, factory, db):
    admin = factory.user("admin")
    token = factory.token(admin)
    admin.is_active = False
    db.add(admin)
    db.commit()
    assert client.get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    r = app.test_client().get("/login")
    assert "Secure" in r.headers.get("Set-Cookie", "") and "HttpOnly" in r.headers.get("Set-Cookie", "")


def test_secret_key_is_generated_once_and_kept_out_of_the_repo(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    app1 = create_app()
    app2 = create_app()
    assert app1.config["SECRET_KEY"] == app2.config["SECRET_KEY"] and len(app1.config["SECRET_KEY"]) > 40
    assert app1.instance_path.endswith("instance")
