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
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from hotline.access_log import redact_tokens
from hotline.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from hotline.validation import api_fields
from workflows.text import N_, Text

log = logging.getLogger(__name__)

STATUS: dict[type[DomainError], int] = {Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409,
                                        Invalid: 422, TooManyRequests: 429}
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
          422: "invalid", 429: "too_many_requests", 500: "internal_error"}


# What the error page says, in the reader's language: the API's message is for programs, and a page only shows
# a message of its own (a Text) for a state that stops an action (409) and for a request too large (413: the
# limit).
PAGE_MESSAGES = {
    400: N_("The request could not be understood; reload the page and try again."),
    401: N_("Please log in."),
    403: N_("Your role may not do this."),
    404: N_("This page does not exist, or it is not yours to see."),
    405: N_("This action is not possible here."),
    409: N_("This cannot be done in the present state of the case."),
    413: N_("What you sent is too large."),
    415: N_("What you sent is not in a form this page accepts."),
    422: N_("Some of what you entered is not valid."),
    429: N_("Too many attempts: wait a moment and try again."),
    500: N_("Something went wrong on our side; it has been logged."),
}


def _english(value):
    """Texts (and lists of them) of an error, as the API's English."""
    from hotline.i18n import render

    if isinstance(value, list):
        return [_english(v) for v in value]
    return render(value, "en") if isinstance(value, Text) else value


def page_message(status: int, message) -> str:
    from hotline.i18n import page_lang, render

    if status in (409, 413, 429) and isinstance(message, Text):
        return render(message, page_lang())
    return render(Text(PAGE_MESSAGES.get(status, PAGE_MESSAGES[500 if status >= 500 else 400])), page_lang())


def status_of(exc: DomainError) -> int:
    return next(STATUS[k] for k in type(exc).__mro__ if k in STATUS)


def envelope(code: str, message, fields: dict | None = None, **details) -> dict:
    return {"error": {"code": code, "message": _english(message), "fields": fields or {},
                      **{k: _english(v) for k, v in details.items()}}}


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
        # The language switch of an error page leads to the dashboard: the page never echoes the address asked for.
        return render_template("error.html", status=status, message=page_message(status, message),
                               language_next="/dashboard"), status
    except Exception:
        log.exception("the error page failed; answering with the plain one")
        return _plain_page(status), status, {"Content-Type": "text/html; charset=utf-8"}


def _plain_page(status: int) -> str:
    """The error page without a template, a catalogue, a session or a user: what is left when everything else
    fails. It says the status's own English sentence, never the error's message."""
    message = PAGE_MESSAGES.get(status, PAGE_MESSAGES[500 if status >= 500 else 400])
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{status}</title></head><body>'
            f'<h1>{status}</h1><p>{escape(message)}</p><p><a href="/">hotline</a></p></body></html>')


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        answer = _answer(status_of(exc), exc.code, exc.message, exc.fields, **exc.details())
        if isinstance(exc, TooManyRequests):
            answer = app.make_response(answer)
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer

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
        if status == 413 and not _wants_json():  # the API keeps Werkzeug's English description
            message = Text(N_("What you sent is too large (at most %(mb)s MB)."),
                           mb=(app.config.get("MAX_CONTENT_LENGTH") or 0) // 2**20)
        return _answer(status, _CODES.get(status, "error"), message)

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
        log.exception("unhandled error on %s %s", request.method, redact_tokens(request.path))
        return _answer(500, "internal_error", "Something went wrong on our side; it has been logged.")
