"""The landing page after login: one dashboard per role."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from hotline.extensions import get_session
from hotline.orgs.models import Organization

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def root():
    return redirect(url_for("dashboard.index"))


@bp.get("/dashboard")
@login_required
def index():
    role = current_user.role.value
    context = {}
    if role == "insured":
        context["organization"] = get_session().get(Organization, current_user.organization_id)
    return render_template(f"dashboard/{role}.html", **context)
