"""Domain errors: what went wrong, in the services' own terms. They know nothing of HTTP.

hotline/error_handlers.py is the one place that maps each kind to a status code, to the API's error envelope
({"error": {"code", "message", "fields", ...details}}) and to the error page. A message (and a blocker or a
warning) may be a workflows.text.Text: the envelope reads it in English, the page in its reader's language.
"""
from __future__ import annotations

from workflows.text import N_, Text


class DomainError(Exception):
    code = "error"  # the envelope's error.code unless the raiser names a more precise one

    def __init__(self, message: str | Text, *, code: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or type(self).code
        self.fields = fields or {}

    def details(self) -> dict:
        """Further members of the error object (e.g. the blockers of a guard)."""
        return {}


class Unauthenticated(DomainError):
    code = "unauthorized"

    def __init__(self, message: str | Text = Text(N_("A valid bearer token is needed.")), **kw):
        super().__init__(message, **kw)


class Forbidden(DomainError):
    code = "forbidden"

    def __init__(self, message: str | Text = Text(N_("Your role may not do this.")), **kw):
        super().__init__(message, **kw)


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, what: str = "resource", *, message: str | Text | None = None):
        super().__init__(message or Text(N_("No such %(what)s."), what=what))


class TooManyRequests(DomainError):
    """Too many failed attempts (logins, tokens): wait `retry_after` seconds."""

    code = "too_many_requests"

    def __init__(self, *, retry_after: int):
        super().__init__(Text(N_("Too many failed attempts: wait %(minutes)s minutes and try again."),
                              minutes=max(1, -(-retry_after // 60))))
        self.retry_after = retry_after

    def details(self) -> dict:
        return {"retry_after": self.retry_after}


class Invalid(DomainError):
    """Input that breaks a rule, with the offending field(s) and the reason."""

    code = "invalid"

    def __init__(self, fields: dict[str, str], message: str | Text = Text(N_("The request has invalid fields."))):
        super().__init__(message, fields=fields)


class Conflict(DomainError):
    """The request is well formed but the state of things does not allow it (code says which state)."""

    code = "conflict"


class Blocked(Conflict):
    """A guard stops the change; `blockers` names each thing in the way."""

    code = "guard"

    def __init__(self, message: str | Text, *, blockers: list):
        super().__init__(message)
        self.blockers = list(blockers)

    def details(self) -> dict:
        return {"blockers": self.blockers}


class NeedsOverride(Conflict):
    """The policy calls for attention first; the caller may repeat the request with an explicit override."""

    code = "warnings"

    def __init__(self, message: str | Text, *, warnings: list):
        super().__init__(message)
        self.warnings = list(warnings)

    def details(self) -> dict:
        return {"warnings": self.warnings}
