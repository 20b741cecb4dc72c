"""Security headers on every answer, set in this one place.

A few lines rather than Flask-Talisman: Talisman would also force HTTPS redirects and rewrite the cookie
settings, which config.py already owns, and it has no Cache-Control rule.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, request

# Scripts and styles only from our own static files: no inline <script>, style="" or on…="" (tested on every page).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000"


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # No Referer at all: the signed links of vendors and invitations carry their token in the path.
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.endpoint != "static":  # pages and API answers hold case data: never kept by a browser or a proxy
        headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):  # served over HTTPS (the plain-http demo turns it off)
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
