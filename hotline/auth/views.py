"""Login, logout, and the admin's user management page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from pydantic import ValidationError
from sqlmodel import select

from hotline.auth import service, throttle
from hotline.auth.models import ApiToken, Role, User
from hotline.auth.permissions import current_principal, require
from hotline.auth.schemas import LoginIn, UserIn, UserPatch
from hotline.error_handlers import page_message
from hotline.errors import Invalid, TooManyRequests
from hotline.extensions import get_session, login_manager
from hotline.forms import page_errors, read_form
from hotline.orgs.service import list_organizations

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id: str):
    return service.load_session_user(get_session(), user_id)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    error = None
    status = 200
    if request.method == "POST":
        email = service.normalise_email(request.form.get("email", ""))[:254]
        try:
            throttle.check_login(email)  # before the password: the right one does not get through either
            form = read_form(LoginIn, request.form)
            user = service.authenticate(get_session(), form.email, form.password,
                                        hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        except ValidationError:  # no account has such an address or password
            user = None
        except TooManyRequests as exc:
            return render_template("auth/login.html", error=page_message(429, exc.message)), 429, \
                {"Retry-After": str(exc.retry_after)}
        if user is None:
            throttle.login_failed(email)
            error, status = _("Wrong e-mail or password."), 401
        else:
            throttle.login_succeeded(email)
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:  # this session, every other one and the remember cookie end here
        service.end_sessions(get_session(), current_user)
    logout_user()
    flash(_("You have logged out."))
    return redirect(url_for("auth.login"))


@bp.post("/account/language")
@login_required
def set_language():
    """The user's own language, for their pages and the messages they get (the top bar's 日本語 / English)."""
    language = request.form.get("language", "")
    if language in service.LANGUAGES:
        service.set_language(get_session(), current_user, language)
        session["lang"] = language
        refresh()  # the flash below reads in the language just chosen
        flash(_("Language saved."))
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/admin/users")
@require("user.manage")
def users():
    return _users_page()


def _users_page(errors: dict | None = None, failed: int | str | None = None):
    """The user list with a form per user, the new-user form and the tokens. After a refused form (`failed`:
    "new" or a user's id), its errors beside its fields ('new.email', '<user id>.phone') and what was typed."""
    session = get_session()
    orgs = list_organizations(session)
    all_users = list(session.exec(select(User).order_by(User.role, User.email)))
    tokens = list(session.exec(select(ApiToken).order_by(ApiToken.created_at.desc())))
    return render_template("auth/users.html", users=all_users, orgs=orgs, roles=[r.value for r in Role],
                           tokens=tokens, emails={u.id: u.email for u in all_users}, errors=errors or {},
                           failed=failed, form=request.form if failed else {}), 422 if failed else 200


@bp.post("/admin/users")
@require("user.manage")
def create_user():
    session = get_session()
    try:
        data = read_form(UserIn, request.form)
        user = service.create_user(session, email=data.email, role=data.role, password=data.password,
                                   organization_id=data.organization_id, display_name=data.display_name,
                                   phone=data.phone, language=data.language,
                                   hash_method=current_app.config["PASSWORD_HASH_METHOD"], actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _users_page(page_errors(exc, prefix="new."), "new")
    flash(_("User %(email)s created.", email=user.email))
    return redirect(url_for("auth.users"))


@bp.post("/admin/users/<int:user_id>")
@require("user.manage")
def update_user(user_id: int):
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        return redirect(url_for("auth.users"))
    try:
        data = read_form(UserPatch, request.form, checkboxes=("is_active",), clear=("phone", "language"))
        service.update_user(session, user, role=data.role, organization_id=data.organization_id,
                            display_name=data.display_name, phone=data.phone or "", is_active=data.is_active,
                            password=data.password, hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                            language=(data.language or "") if "language" in data.model_fields_set else None,
                            actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _users_page(page_errors(exc, prefix=f"{user_id}."), user_id)
    flash(_("User %(email)s updated.", email=user.email))
    return redirect(url_for("auth.users"))


@bp.post("/admin/tokens/<int:token_id>/revoke")
@require("user.manage")
def revoke_token(token_id: int):
    service.revoke_token(get_session(), token_id, actor=current_principal())
    flash(_("Token revoked."))
    return redirect(url_for("auth.users"))
