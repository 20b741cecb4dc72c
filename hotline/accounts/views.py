"""Pages: a coordinator's list of an organisation's insured users with the invitation form (an admin also
deactivates and reactivates them), setting a password through an invitation or reset link, and the forgotten
password form, which reads the same whether the address exists or not."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user
from pydantic import ValidationError

from hotline.accounts import service
from hotline.accounts.links import AccountSettings, LinkError
from hotline.accounts.schemas import ForgotIn, InsuredAction, InvitationIn, PasswordIn
from hotline.auth.permissions import can, current_principal, require
from hotline.db import utcnow
from hotline.errors import Invalid, NotFound
from hotline.extensions import get_session, notifier
from hotline.forms import page_errors, read_form
from hotline.orgs.models import Organization

bp = Blueprint("accounts", __name__)


def settings() -> AccountSettings:
    return AccountSettings.from_config(current_app.config)


def _organization(organization_id: int) -> Organization:
    org = get_session().get(Organization, organization_id)
    if org is None:
        raise NotFound("organisation")
    return org


def _insureds_page(org: Organization, *, errors=None, form=None, status=200):
    session = get_session()
    return render_template("accounts/insureds.html", org=org, rows=service.insureds_of(session, org.id), now=utcnow(),
                           status_of=service.status, errors=errors or {}, form=form or {},
                           can_deactivate=can(current_principal(), "insured.deactivate"),
                           hours=int(settings().max_age["invitation"].total_seconds() // 3600)), status


@bp.get("/organizations/<int:organization_id>/invitations")
@require("insured.invite")
def insureds(organization_id: int):
    return _insureds_page(_organization(organization_id))


@bp.post("/organizations/<int:organization_id>/invitations")
@require("insured.invite")
def invite(organization_id: int):
    org = _organization(organization_id)
    session = get_session()
    try:
        data = read_form(InvitationIn, request.form)
        user, _link = service.invite(session, organization_id=org.id, email=data.email, name=data.name,
                                     language=data.language, actor=current_principal(), notifier=notifier(),
                                     settings=settings())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _insureds_page(org, errors=page_errors(exc), form=request.form, status=422)
    flash(_("Invitation sent to %(email)s.", email=user.email))
    return redirect(url_for("accounts.insureds", organization_id=org.id))


@bp.post("/organizations/<int:organization_id>/insureds/<int:insured_id>")
@require("insured.deactivate")
def set_active(organization_id: int, insured_id: int):
    org = _organization(organization_id)
    session = get_session()
    try:
        action = read_form(InsuredAction, request.form).action
        if action not in ("deactivate", "reactivate"):
            raise Invalid({"action": _("Choose one of the options.")})
    except (ValidationError, Invalid) as exc:
        return _insureds_page(org, errors=page_errors(exc), status=422)
    user = service.set_active(session, organization_id=org.id, user_id=insured_id, active=action == "reactivate",
                              actor=current_principal())
    flash(_("%(email)s can no longer log in.", email=user.email) if action == "deactivate"
          else _("%(email)s can log in again.", email=user.email))
    return redirect(url_for("accounts.insureds", organization_id=org.id))


# --- Links: no account needed, the signed link decides -----------------------------------------------------
PROBLEMS = {"invalid": 404, "expired": 410, "used": 410}


def _password_page(purpose: str, token: str, *, errors=None, status=200):
    session = get_session()
    try:
        _link, user = service.open_link(session, purpose, token, settings=settings())
    except LinkError as exc:
        return render_template("accounts/link_problem.html", problem=exc.reason, purpose=purpose), \
            PROBLEMS[exc.reason]
    return render_template("accounts/password.html", purpose=purpose, token=token, email=user.email,
                           errors=errors or {}), status


def _set_password(purpose: str, token: str):
    session = get_session()
    try:
        data = read_form(PasswordIn, request.form)
        if data.password != data.confirm:
            raise Invalid({"confirm": _("The two passwords differ.")})
        user = service.set_password(session, purpose, token, data.password, settings=settings(),
                                    hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _password_page(purpose, token, errors=page_errors(exc), status=422)
    except LinkError as exc:
        return render_template("accounts/link_problem.html", problem=exc.reason, purpose=purpose), \
            PROBLEMS[exc.reason]
    login_user(user)
    flash(_("Your password is set. Welcome."))
    return redirect(url_for("dashboard.index"))


@bp.get("/account/setup/<invitation_token>")
def setup(invitation_token: str):
    return _password_page("invitation", invitation_token)


@bp.post("/account/setup/<invitation_token>")
def setup_post(invitation_token: str):
    return _set_password("invitation", invitation_token)


@bp.get("/password/reset/<reset_token>")
def reset(reset_token: str):
    return _password_page("password_reset", reset_token)


@bp.post("/password/reset/<reset_token>")
def reset_post(reset_token: str):
    return _set_password("password_reset", reset_token)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    sent = False
    errors: dict = {}
    if request.method == "POST":
        session = get_session()
        try:
            data = read_form(ForgotIn, request.form)
            service.request_reset(session, email=data.email, notifier=notifier(), settings=settings())
            sent = True
        except ValidationError as exc:
            errors = page_errors(exc)
    return render_template("accounts/forgot.html", sent=sent, errors=errors,
                           minutes=int(settings().max_age["password_reset"].total_seconds() // 60)), \
        (422 if errors else 200)
