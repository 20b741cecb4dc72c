"""The one place where failures become HTTP: status codes, the API's error envelope (../shared/API.md),
the error page, and form errors.

{"error": {"code": "<snake_case>", "message": "<human sentence>", "fields": {"<field>": "<why>"}, ...details}}

The error page cannot fail: it rolls the request's session back first (a failed flush would otherwise fail the
page's own queries), and if rendering still fails it answers with a page written here, without a template.
"""
from __future__ import annotations

import logging
from html import escape

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from hotline.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unauthenticated
from hotline.validation import api_fields

log = logging.getLogger(__name__)

STATUS: dict[type[DomainError], int] = {Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409,
                                        Invalid: 422}
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
          422: "invalid", 429: "too_many_requests", 500: "internal_error"}
# Pages say these in the reader's language; the API keeps Werkzeug's English description.
_PAGE_MESSAGES = {413: _l("What you sent is too large (at most %(mb)s MB).")}


def status_of(exc: DomainError) -> int:
    return next(STATUS[k] for k in type(exc).__mro__ if k in STATUS)


def envelope(code: str, message: str, fields: dict | None = None, **details) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **details}}


def fields_from_validation(exc: ValidationError) -> dict[str, str]:
    """The API's error fields for a pydantic error: English, saying what to send (hotline/validation.py)."""
    return api_fields(exc)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _rollback() -> None:
    session = g.get("db")
    if session is not None:
        try:
            session.rollback()
        except Exception:  # pragma: no cover - a broken connection: the page must still be answered
            log.exception("rollback failed while answering an error")


def _answer(status: int, code: str, message: str, fields: dict | None = None, **details):
    _rollback()
    if _wants_json():
        return jsonify(envelope(code, message, fields, **details)), status
    try:
        return render_template("error.html", status=status, message=message), status
    except Exception:
        log.exception("the error page failed; answering with the plain one")
        return _plain_page(status, message), status, {"Content-Type": "text/html; charset=utf-8"}


def _plain_page(status: int, message: str) -> str:
    """The error page without a template, a session or a user: what is left when everything else fails."""
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{status}</title></head><body>'
            f'<h1>{status}</h1><p>{escape(str(message))}</p><p><a href="/">hotline</a></p></body></html>')


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return _answer(status_of(exc), exc.code, exc.message, exc.fields, **exc.details())

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return _domain(Invalid(fields_from_validation(exc)))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _answer(400, "csrf", "The form expired or was not sent by this site; reload and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        message = exc.description or exc.name
        if status in _PAGE_MESSAGES and not _wants_json():
            message = _PAGE_MESSAGES[status] % {"mb": (app.config.get("MAX_CONTENT_LENGTH") or 0) // 2**20}
        return _answer(status, _CODES.get(status, "error"), str(message))

    @app.errorhandler(OverflowError)
    @app.errorhandler(sa_exc.DataError)
    def _out_of_range(exc: Exception):
        """A value the database cannot hold that the validators let through (an id of 30 digits in the path)
        is bad input, not a crash."""
        return _domain(Invalid({"request": "a value is out of range for the database (an id, a number or a "
                                           "date)"}, "A value in the request is out of range."))

    @app.errorhandler(sa_exc.StatementError)
    def _statement(exc: sa_exc.StatementError):
        if isinstance(exc.orig, OverflowError):
            return _out_of_range(exc)
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _answer(500, "internal_error", "Something went wrong on our side; it has been logged.")
