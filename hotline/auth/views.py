"""Login, logout, and the admin's user management page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from sqlmodel import select

from hotline.auth import service
from hotline.auth.models import ApiToken, Role, User
from hotline.auth.permissions import current_principal, require
from hotline.error_handlers import flash_invalid
from hotline.errors import Invalid
from hotline.extensions import get_session, login_manager
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
    if request.method == "POST":
        user = service.authenticate(get_session(), request.form.get("email", ""), request.form.get("password", ""))
        if user is None:
            error = _("Wrong e-mail or password.")
        else:
            login_user(user, remember=bool(request.form.get("remember")))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
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
    session = get_session()
    orgs = list_organizations(session)
    all_users = list(session.exec(select(User).order_by(User.role, User.email)))
    tokens = list(session.exec(select(ApiToken).order_by(ApiToken.created_at.desc())))
    return render_template("auth/users.html", users=all_users, orgs=orgs, roles=[r.value for r in Role],
                           tokens=tokens, emails={u.id: u.email for u in all_users})


def _org_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@bp.post("/admin/users")
@require("user.manage")
def create_user():
    session = get_session()
    form = request.form
    try:
        user = service.create_user(session, email=form.get("email", ""), role=form.get("role", ""),
                                   password=form.get("password", ""), organization_id=_org_id(form.get("organization_id")),
                                   display_name=form.get("display_name", ""), phone=form.get("phone") or None,
                                   language=form.get("language") or None, hash_method=current_app.config["PASSWORD_HASH_METHOD"], actor=current_principal())
    except Invalid as exc:
        session.rollback()
        flash_invalid(exc)
        return redirect(url_for("auth.users"))
    flash(_("User %(email)s created.", email=user.email))
    return redirect(url_for("auth.users"))


@bp.post("/admin/users/<int:user_id>")
@require("user.manage")
def update_user(user_id: int):
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        return redirect(url_for("auth.users"))
    form = request.form
    try:
        service.update_user(session, user, role=form.get("role") or None,
                            organization_id=_org_id(form.get("organization_id")),
                            display_name=form.get("display_name"), phone=form.get("phone"),
                            is_active=form.get("is_active") == "on", password=form.get("password") or None,
                            language=form.get("language"),
                            hash_method=current_app.config["PASSWORD_HASH_METHOD"], actor=current_principal())
    except Invalid as exc:
        session.rollback()
        flash_invalid(exc)
        return redirect(url_for("auth.users"))
    flash(_("User %(email)s updated.", email=user.email))
    return redirect(url_for("auth.users"))


@bp.post("/admin/tokens/<int:token_id>/revoke")
@require("user.manage")
def revoke_token(token_id: int):
    service.revoke_token(get_session(), token_id, actor=current_principal())
    flash(_("Token revoked."))
    return redirect(url_for("auth.users"))
