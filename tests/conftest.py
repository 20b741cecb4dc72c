"""Test fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

SQLite: the schema is migrated once per test session into a template file that each test copies.
PostgreSQL: each test session (and each xdist worker) creates its own database, migrates it once,
truncates every table between tests, and drops the database at the end.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

os.environ.pop("TWILIO_EDGE", None)  # these would make the twilio client rewrite hosts
os.environ.pop("TWILIO_REGION", None)

import hotline.models  # noqa: E402,F401  every table, for TRUNCATE
from hotline import create_app  # noqa: E402
from hotline.db import upgrade_schema  # noqa: E402

TOKYO = ZoneInfo("Asia/Tokyo")
PASSWORD = "correct-horse-battery"
FAST_HASH = "pbkdf2:sha256:1000"  # production uses scrypt; tests need speed, not strength
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def jst(*args) -> dt.datetime:
    """jst(2026, 4, 10, 23, 30): an aware instant in Tokyo time."""
    return dt.datetime(*args, tzinfo=TOKYO)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    upgrade_schema(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def pg_database():
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_schema(url)
    yield url
    sa.create_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "hotline.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _truncate_all(url)
    return url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "PASSWORD_HASH_METHOD": FAST_HASH, "PUBLIC_BASE_URL": "http://localhost",
        "TWILIO_ACCOUNT_SID": None, "TWILIO_AUTH_TOKEN": None, "TWILIO_FROM_NUMBER": None,
    })
    app.instance_path = str(tmp_path / "instance")
    os.makedirs(app.instance_path, exist_ok=True)
    yield app
    app.extensions["hotline.engine"].dispose()


@pytest.fixture
def db(app):
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(app):
    return app.test_client()


class Factory:
    """Builds rows directly, committed, for tests to act upon."""

    def __init__(self, session: Session):
        self.s = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def org(self, name: str | None = None):
        from hotline.orgs.models import Organization

        org = Organization(name=name or f"テスト株式会社{self._next()}")
        self.s.add(org)
        self.s.commit()
        return org

    def policy(self, org=None, *, plan: str = "A", product: str = "tm-juas-2026",
               start: dt.datetime = jst(2026, 3, 1, 16, 0), end: dt.datetime = jst(2027, 3, 1, 16, 0)):
        from hotline.orgs.models import Policy

        org = org or self.org()
        policy = Policy(organization_id=org.id, product=product, plan=plan, policy_number=f"POL-{self._next():05d}",
                        period_start=start, period_end=end)
        self.s.add(policy)
        self.s.commit()
        return policy

    def user(self, role: str, org=None, *, email: str | None = None, phone: str | None = None):
        from hotline.auth.service import create_user

        if role == "insured" and org is None:
            org = self.org()
        user = create_user(self.s, email=email or f"{role}{self._next()}@example.jp", role=role, password=PASSWORD,
                           organization_id=org.id if org is not None else None, hash_method=FAST_HASH, phone=phone)
        self.s.commit()
        return user

    def token(self, user) -> str:
        from hotline.auth.service import issue_token

        token = issue_token(self.s, user)
        self.s.commit()
        return token

    def case(self, policy=None, **facts):
        """A case row with sensible defaults; intake rules are tested through the service and API."""
        from hotline.cases.models import Case

        policy = policy or self.policy()
        n = self._next()
        values = {"reference": f"CY-2026-{900000 + n:06d}", "policy_id": policy.id, "caller_name": "山田太郎",
                  "first_discovered_at": jst(2026, 4, 10, 23, 30), "reported_at": jst(2026, 4, 11, 0, 15),
                  "summary": "不審な通信を検知", **facts}
        case = Case(**values)
        self.s.add(case)
        self.s.commit()
        return case


@pytest.fixture
def factory(db) -> Factory:
    return Factory(db)


class Api:
    """The test client with a bearer token: api.get('/cases/…') → response."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path, **kw):
        return self.client.get(f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch(f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def api_as(client, factory):
    """api_as(user) → an Api client authenticated with a fresh token for that user."""
    return lambda user: Api(client, factory.token(user))


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client, path: str) -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client, user, password: str = PASSWORD):
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def post_form(client, path: str, data: dict, *, form_page: str | None = None):
    """POST a form with a CSRF token taken from the page that shows it (default: the same path)."""
    token = csrf_from(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})


@pytest.fixture
def fake_twilio():
    from tests.fake_twilio import serve

    fake, server = serve()
    yield fake
    server.shutdown()


# --- Browser tests: Playwright driving Debian's Chromium against a live server on 127.0.0.1 -------------
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@pytest.fixture
def live_app(sqlite_template, tmp_path):
    """An app on its own SQLite copy (browser tests run on SQLite only: they test pages, not SQL)."""
    path = tmp_path / "live.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "test-secret",
                      "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
                      "PASSWORD_HASH_METHOD": FAST_HASH, "TWILIO_ACCOUNT_SID": None})
    app.instance_path = str(tmp_path / "instance")  # e.g. demo logins are written here, not in the checkout
    os.makedirs(app.instance_path, exist_ok=True)
    yield app
    app.extensions["hotline.engine"].dispose()


@pytest.fixture
def live_server(live_app):
    """Serves live_app on 127.0.0.1:<free port>; yields the base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    live_app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield live_app.config["PUBLIC_BASE_URL"]
    server.shutdown()


@pytest.fixture
def live_factory(live_app):
    with Session(live_app.extensions["hotline.engine"], expire_on_commit=False) as session:
        yield Factory(session)


def browser_login(page, base_url: str, user, password: str = PASSWORD):
    page.goto(f"{base_url}/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/dashboard")
