"""Flask extensions and the per-request database session."""
from __future__ import annotations

from flask import Flask, current_app, g
from flask_babel import gettext
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlmodel import Session

from workflows.text import N_

login_manager = LoginManager()
csrf = CSRFProtect()


def engine():
    return current_app.extensions["hotline.engine"]


def notifier():
    """The app's notifier (outbox or Twilio), built once by the app factory."""
    return current_app.extensions["hotline.notifier"]


def get_session() -> Session:
    """The request's session. Services commit their own unit of work; teardown closes it."""
    if "db" not in g:
        g.db = Session(engine(), expire_on_commit=False)
    return g.db


def _close_session(_exc):
    session = g.pop("db", None)
    if session is not None:
        session.close()


# Paths whose requests do not ride on the session cookie: bearer-token API calls and
# Twilio webhooks (verified by X-Twilio-Signature instead).
CSRF_EXEMPT_PREFIXES = ("/api/", "/twilio/")


def _csrf_protect() -> None:
    from flask import request

    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith(CSRF_EXEMPT_PREFIXES):
        return
    csrf.protect()


def init_app(app: Flask) -> None:
    # CSRF is checked by our own hook so the exemption is one rule by path, not a list of views.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    app.before_request(_csrf_protect)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login's flash, in the page's language: a msgid of the catalogue, translated when flashed.
    login_manager.login_message = N_("Please log in to access this page.")
    login_manager.localize_callback = gettext
    login_manager.session_protection = "basic"  # insureds on mobile networks change address
    app.teardown_appcontext(_close_session)
