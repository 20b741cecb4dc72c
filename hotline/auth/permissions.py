"""One authorisation mechanism for pages and the API: a role check plus an organisation scope.

`PERMISSIONS` is the whole policy in one table. Insureds pass a role check only for what the
contract lets them do, and then only on their own organisation's cases (`case_scope`). Admins read every page and
API an operator reads (cases, phases, timeline, coverage, messages, the claim report) and change only what the
table gives them.
"""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_login import current_user

from hotline.auth.models import Role, User
from hotline.errors import Forbidden, NotFound, Unauthenticated

OP, CO, INS, AD = Role.operator, Role.coordinator, Role.insured, Role.admin

PERMISSIONS: dict[str, frozenset[Role]] = {
    "organization.read": frozenset({OP, CO, AD}),
    "organization.write": frozenset({CO, AD}),
    "policy.read": frozenset({OP, CO, AD, INS}),
    "policy.write": frozenset({CO, AD}),
    "case.create": frozenset({OP, CO}),
    "case.read": frozenset({OP, CO, INS, AD}),
    "case.update": frozenset({OP, CO}),
    "cost.create": frozenset({OP, CO, INS}),
    "cost.update": frozenset({OP, CO}),
    "coverage.read": frozenset({OP, CO, INS, AD}),
    "phase.read": frozenset({OP, CO, INS, AD}),
    "phase.update": frozenset({OP, CO}),
    "case.reopen": frozenset({OP, CO}),  # a closed case takes changes again, with the reason on the timeline
    "task.write": frozenset({OP, CO}),
    "timeline.read": frozenset({OP, CO, INS, AD}),
    "vendor.read": frozenset({OP, CO, AD}),
    "vendor.write": frozenset({CO, AD}),
    "dispatch.read": frozenset({OP, CO, AD}),
    "dispatch.create": frozenset({CO, AD}),
    "outbox.read": frozenset({CO, AD}),
    "outbox.handle": frozenset({CO, AD}),  # mark a message that could not be delivered as taken care of
    "metrics.read": frozenset({OP, CO, AD}),
    "user.manage": frozenset({AD}),
    # The insured's portal (issue 12): invitations, deactivation, messages, the claim report.
    "insured.invite": frozenset({CO, AD}),
    "insured.deactivate": frozenset({AD}),
    "message.read": frozenset({OP, CO, INS, AD}),
    "message.write": frozenset({OP, CO, INS}),
    "claim_report.read": frozenset({OP, CO, INS, AD}),
    # The phone line (issue 10): the caller log and the operators' panel, the duty roster, the phone simulator
    # (signed test calls and texts to the Twilio webhooks).
    "call.read": frozenset({OP, CO, AD}),
    "call.update": frozenset({OP, CO}),
    "roster.manage": frozenset({AD}),
    "call.simulate": frozenset({AD}),
}


def can(user: User | None, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[permission]


def current_principal() -> User | None:
    """The API token's user, or the logged-in page user."""
    if getattr(g, "api_user", None) is not None:
        return g.api_user
    return current_user if current_user.is_authenticated else None


def require(permission: str):
    """Decorator for API and page views. Anonymous: 401 on the API, login redirect on pages."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def deco(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_principal()
            if user is None:
                if request.path.startswith("/api/"):
                    raise Unauthenticated()
                from hotline.extensions import login_manager

                return login_manager.unauthorized()
            if not can(user, permission):
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapper

    return deco


def organization_scope(user: User) -> int | None:
    """The organisation an insured is limited to; None for staff, who see every organisation."""
    return user.organization_id if user.role is Role.insured else None


def check_case_visible(user: User, case_org_id: int) -> None:
    """An insured never learns that another company's case exists: 404, not 403."""
    scope = organization_scope(user)
    if scope is not None and scope != case_org_id:
        raise NotFound("case")
