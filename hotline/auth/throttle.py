"""Throttling of password and token guessing (issue 14), with Flask-Limiter's storage and strategy.

Failed logins are counted per account (the e-mail typed, hashed: no address is kept in the storage) and per
client address; failed bearer tokens per address. The count is checked before a password is: once a limit is
reached, even the right password is refused until the window ends (429). A successful login clears its account's
count. One Limiter per app (several apps live in one test process); its storage is `RATELIMIT_STORAGE_URI`:
`memory://` for the embedded single process, a shared store (e.g. `redis://host:6379`) when several web
processes serve the app, since each would otherwise count alone."""
from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

from hotline.errors import TooManyRequests


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    for setting in ("LOGIN_LIMIT_ACCOUNT", "LOGIN_LIMIT_ADDRESS", "API_TOKEN_LIMIT_ADDRESS"):
        parse(app.config[setting])  # a mistyped limit stops the app at start, not a login at 3 a.m.
    app.extensions["hotline.limiter"] = Limiter(get_remote_address, app=app, default_limits=[])


def _keys(email: str | None) -> list[tuple[str, str, str]]:
    """(configured limit, scope, key) of a login attempt; without an e-mail, the address alone."""
    keys = [("LOGIN_LIMIT_ADDRESS", "address", request.remote_addr or "")]
    if email:
        keys.append(("LOGIN_LIMIT_ACCOUNT", "account", hashlib.sha256(email.encode()).hexdigest()))
    return keys


def _check(keys) -> None:
    limiter = current_app.extensions["hotline.limiter"]
    if not limiter.enabled:
        return
    for setting, scope, key in keys:
        limit = parse(current_app.config[setting])
        if not limiter.limiter.test(limit, "hotline", scope, key):
            reset = limiter.limiter.get_window_stats(limit, "hotline", scope, key).reset_time
            raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))


def _hit(keys) -> None:
    limiter = current_app.extensions["hotline.limiter"]
    if limiter.enabled:
        for setting, scope, key in keys:
            limiter.limiter.hit(parse(current_app.config[setting]), "hotline", scope, key)


def check_login(email: str | None) -> None:
    """Raises TooManyRequests when the account or the address has failed too often."""
    _check(_keys(email))


def login_failed(email: str | None) -> None:
    _hit(_keys(email))


def login_succeeded(email: str) -> None:
    limiter = current_app.extensions["hotline.limiter"]
    if limiter.enabled:
        setting, scope, key = _keys(email)[1]
        limiter.limiter.clear(parse(current_app.config[setting]), "hotline", scope, key)


def _token_keys() -> list[tuple[str, str, str]]:
    return [("API_TOKEN_LIMIT_ADDRESS", "token", request.remote_addr or "")]


def check_token() -> None:
    _check(_token_keys())


def token_failed() -> None:
    _hit(_token_keys())
