"""Pages to look up and register insured organisations and their policies."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from hotline.auth.permissions import can, current_principal, require
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.forms import page_errors, read_form
from hotline.orgs import service
from hotline.orgs.schemas import OrganizationIn, PolicyIn
from hotline.products.catalogue import catalogue
from hotline.validation import clean_search

bp = Blueprint("orgs", __name__)


@bp.get("/policies")
@require("organization.read")
def index():
    return _page()


def _page(errors: dict | None = None):
    """The policy search, and for coordinators and admins the two registration forms; after a refused form its
    errors ('org.name', 'policy.plan') beside its fields, with what was typed, and a 422."""
    session = get_session()
    query = clean_search(request.args.get("q"))
    return render_template("orgs/index.html", rows=service.search_policies(session, query, limit=200), q=query,
                           orgs=service.list_organizations(session), products=catalogue(),
                           can_write=can(current_principal(), "policy.write"), errors=errors or {},
                           can_invite=can(current_principal(), "insured.invite"),
                           form=request.form if errors else {}), 422 if errors else 200


@bp.post("/organizations")
@require("organization.write")
def create_organization():
    session = get_session()
    try:
        org = service.create_organization(session, read_form(OrganizationIn, request.form), actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _page(page_errors(exc, prefix="org."))
    flash(_("Organisation %(name)s registered.", name=org.name))
    return redirect(url_for("orgs.index"))


@bp.post("/policies")
@require("policy.write")
def create_policy():
    session = get_session()
    try:
        policy = service.create_policy(session, read_form(PolicyIn, request.form), actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _page(page_errors(exc, prefix="policy."))
    flash(_("Policy %(number)s registered.", number=policy.policy_number))
    return redirect(url_for("orgs.index"))
