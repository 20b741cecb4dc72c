"""The API's error format and the handlers that keep every failure inside it.

{"error": {"code": "<snake_case>", "message": "<human sentence>", "fields": {"<field>": "<why>"}}}
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
          422: "invalid", 429: "too_many_requests", 500: "internal_error"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, code: str | None = None,
                 fields: dict[str, str] | None = None, extra: dict | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or _CODES.get(status, "error")
        self.fields = fields or {}
        self.extra = extra or {}

    def body(self) -> dict:
        err = {"code": self.code, "message": self.message, "fields": self.fields, **self.extra}
        return {"error": err}


class NotFound(ApiError):
    def __init__(self, what: str = "resource"):
        super().__init__(404, f"No such {what}.")


class Forbidden(ApiError):
    def __init__(self, message: str = "Your role may not do this."):
        super().__init__(403, message)


class Invalid(ApiError):
    """422 with the offending field(s) and the reason."""

    def __init__(self, fields: dict[str, str], message: str = "The request has invalid fields."):
        super().__init__(422, message, fields=fields)


class Conflict(ApiError):
    def __init__(self, message: str, *, code: str = "conflict", extra: dict | None = None):
        super().__init__(409, message, code=code, extra=extra)


def fields_from_validation(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "body"
        msg = e["msg"]
        if e["type"] == "timezone_aware":
            msg = "an instant needs an offset, e.g. 2026-04-10T23:30:00+09:00"
        elif e["type"] == "extra_forbidden":
            msg = "unknown field"
        fields.setdefault(loc, msg)
    return fields


def flash_invalid(exc: Exception) -> None:
    """Show a failed form's reasons on the next page, one line per field."""
    from flask import flash

    fields = exc.fields if isinstance(exc, ApiError) else fields_from_validation(exc)
    for field, why in fields.items():
        flash(f"{field}: {why}", "error")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        if _wants_json():
            return jsonify(exc.body()), exc.status
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return _api_error(Invalid(fields_from_validation(exc)))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _api_error(ApiError(400, "The form expired or was not sent by this site; reload and try again.",
                                   code="csrf"))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if _wants_json():
            return jsonify(ApiError(exc.code or 500, exc.description or exc.name).body()), exc.code
        return render_template("error.html", status=exc.code, message=exc.description), exc.code

    @app.errorhandler(OverflowError)
    @app.errorhandler(sa_exc.DataError)
    def _out_of_range(exc: Exception):
        """A number too large for a database column (an id of 30 digits, in the path or the body) is bad
        input, not a crash."""
        return _api_error(Invalid({"request": "a number is out of range for an id or an amount"},
                                  "A number in the request is out of range."))

    @app.errorhandler(sa_exc.StatementError)
    def _statement(exc: sa_exc.StatementError):
        if isinstance(exc.orig, OverflowError):
            return _out_of_range(exc)
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _api_error(ApiError(500, "Something went wrong on our side; it has been logged."))
