"""Test fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

SQLite: the schema is migrated once per test session into a template file that each test copies.
PostgreSQL: each test session (and each xdist worker) creates its own database, migrates it once,
truncates every table between tests, and drops the database at the end.
"""
from __future__ import annotations

import os
import shutil
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

os.environ.pop("TWILIO_EDGE", None)  # these would make the twilio client rewrite hosts
os.environ.pop("TWILIO_REGION", None)

import hotline.models  # noqa: E402,F401  every table, for TRUNCATE
from hotline import create_app  # noqa: E402
from hotline.db import upgrade_schema  # noqa: E402
from tests.support import FAST_HASH, Api, Factory  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


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


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(request, tmp_path_factory) -> str:
    """One database for all the tests of a module, on each backend: for a world that is costly to build and
    that the module's tests share (each test then makes fresh rows for what it changes)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("module") / "hotline.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _truncate_all(url)
    return url


@pytest.fixture
def app(request, database_url, tmp_path):
    """The app on the test's database, with the outbox notifier; a test marked `twilio` gets the Twilio
    adapter against the fake Twilio API instead (the notifier is built once, when the app is created), with
    the marker's keyword arguments as further configuration."""
    twilio = {"TWILIO_ACCOUNT_SID": None, "TWILIO_AUTH_TOKEN": None, "TWILIO_FROM_NUMBER": None}
    marker = request.node.get_closest_marker("twilio")
    if marker is not None:
        fake = request.getfixturevalue("fake_twilio")
        twilio = {"TWILIO_ACCOUNT_SID": fake.account_sid, "TWILIO_AUTH_TOKEN": fake.auth_token,
                  "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_API_BASE_URL": fake.url, **marker.kwargs}
    app = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "PASSWORD_HASH_METHOD": FAST_HASH, "PUBLIC_BASE_URL": "http://localhost", **twilio,
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


@pytest.fixture
def factory(db) -> Factory:
    return Factory(db)


@pytest.fixture
def api_as(client, factory):
    """api_as(user) → an Api client authenticated with a fresh token for that user."""
    return lambda user: Api(client, factory.token(user))


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
