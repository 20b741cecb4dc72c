"""Pages to look up and register insured organisations and their policies."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from hotline.auth.permissions import can, current_principal, require
from hotline.error_handlers import flash_invalid
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.formatting import TOKYO
from hotline.orgs import service
from hotline.orgs.schemas import OrganizationIn, PolicyIn
from hotline.products.catalogue import catalogue

bp = Blueprint("orgs", __name__)


def _tokyo_local(value: str) -> dt.datetime | str:
    """An <input type=datetime-local> value is Tokyo wall-clock time; anything else is left for validation."""
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=TOKYO)
    except ValueError:
        return value


@bp.get("/policies")
@require("organization.read")
def index():
    session = get_session()
    query = request.args.get("q", "")
    return render_template("orgs/index.html", rows=service.search_policies(session, query, limit=200), q=query,
                           orgs=service.list_organizations(session), products=catalogue(),
                           can_write=can(current_principal(), "policy.write"), form=request.args)


@bp.post("/organizations")
@require("organization.write")
def create_organization():
    session = get_session()
    try:
        org = service.create_organization(session, OrganizationIn(name=request.form.get("name", "")),
                                          actor=current_principal())
    except ValidationError as exc:
        flash_invalid(exc)
        return redirect(url_for("orgs.index"))
    flash(_("Organisation %(name)s registered.", name=org.name))
    return redirect(url_for("orgs.index"))


@bp.post("/policies")
@require("policy.write")
def create_policy():
    session = get_session()
    form = request.form
    try:
        data = PolicyIn(organization_id=int(form.get("organization_id") or 0), product=form.get("product", ""),
                        plan=form.get("plan", ""), policy_number=form.get("policy_number", ""),
                        period_start=_tokyo_local(form.get("period_start", "")),
                        period_end=_tokyo_local(form.get("period_end", "")))
        policy = service.create_policy(session, data, actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        flash_invalid(exc)
        return redirect(url_for("orgs.index", **{k: v for k, v in form.items() if k != "csrf_token"}))
    flash(_("Policy %(number)s registered.", number=policy.policy_number))
    return redirect(url_for("orgs.index"))
