"""Configuration from the environment, with safe defaults for the embedded SQLite set-up."""
from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder.

    Several processes may start at once on a fresh folder (gunicorn workers, the clock): each writes a complete
    candidate to its own file and links it into place, which only one can do (a link never replaces); all then
    read the winner, so every process signs with the same key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret_key.")  # mode 600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
                f.flush()
                os.fsync(f.fileno())
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance: Path) -> dict:
    instance.mkdir(parents=True, exist_ok=True)
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'hotline.sqlite'}",
        "SECRET_KEY": _secret_key(instance),
        # Public address used in links sent by SMS and in Twilio webhook signatures.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000"),
        # Cookies: secure by default; the embedded demo on plain http turns it off explicitly.
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=12),
        # The largest request body: room for a 10 MB receipt and its form; larger is answered 413.
        "MAX_CONTENT_LENGTH": int(float(os.environ.get("MAX_REQUEST_MB", "12")) * 2**20),
        "WTF_CSRF_TIME_LIMIT": None,  # a form left open through a long night call must still submit
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        # Failed logins and API tokens allowed per window (hotline/auth/throttle.py), counted in Flask-Limiter's
        # storage: memory for one process, a shared one (redis://…) for several web processes.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "LOGIN_LIMIT_ACCOUNT": os.environ.get("LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_LIMIT_ADDRESS": os.environ.get("LOGIN_LIMIT_ADDRESS", "50 per 15 minutes"),
        "API_TOKEN_LIMIT_ADDRESS": os.environ.get("API_TOKEN_LIMIT_ADDRESS", "30 per 15 minutes"),
        "TRUST_PROXY": _flag("TRUST_PROXY", False),
        # Twilio is used when all three are set; otherwise messages stay in the outbox.
        "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": os.environ.get("TWILIO_AUTH_TOKEN"),
        "TWILIO_FROM_NUMBER": os.environ.get("TWILIO_FROM_NUMBER"),
        "TWILIO_API_BASE_URL": os.environ.get("TWILIO_API_BASE_URL"),  # only for a local fake API
        "CLOCK_TICK_SECONDS": float(os.environ.get("CLOCK_TICK_SECONDS", "5")),
        # A reminder found late by the clock is still sent if it is at most this late.
        "REMINDER_GRACE": dt.timedelta(hours=float(os.environ.get("REMINDER_GRACE_HOURS", "24"))),
        "REMINDER_OFFSETS": os.environ.get("REMINDER_OFFSETS", "7d,3d,1d,4h"),
        # Vendor dispatch: how long a contact has to answer, how long an answer link lives, and whether
        # contacts are also called (needs Twilio).
        "DISPATCH_ACK_TIMEOUT_SECONDS": float(os.environ.get("DISPATCH_ACK_TIMEOUT_SECONDS", "900")),
        "DISPATCH_LINK_MAX_AGE_SECONDS": float(os.environ.get("DISPATCH_LINK_MAX_AGE_SECONDS", "86400")),
        "DISPATCH_VOICE": _flag("DISPATCH_VOICE", False),
        # E-mail: through SMTP when set (smtp://user:pass@host:587?starttls=1), otherwise kept in the outbox.
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "hotline <no-reply@hotline.example>"),
        # Insureds' accounts: how long an invitation link and a password-reset link stay valid (each works once).
        "INVITATION_LINK_MAX_AGE": dt.timedelta(hours=float(os.environ.get("INVITATION_LINK_MAX_AGE_HOURS", "72"))),
        "PASSWORD_RESET_LINK_MAX_AGE": dt.timedelta(
            minutes=float(os.environ.get("PASSWORD_RESET_LINK_MAX_AGE_MINUTES", "60"))),
        # The largest receipt file (PDF, JPEG, PNG or HEIC); MAX_REQUEST_MB leaves room for it and its form.
        "RECEIPT_MAX_BYTES": int(float(os.environ.get("RECEIPT_MAX_MB", "10")) * 2**20),
    }
