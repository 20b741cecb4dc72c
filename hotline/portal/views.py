"""The insured's own pages: their incidents (the insured's dashboard), one incident in plain words, and the form
to add a cost with its receipts. Staff may open an incident page too, to see what the insured sees."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from hotline.auth.models import User
from hotline.auth.permissions import current_principal, organization_scope, require
from hotline.cases import service as cases
from hotline.costs import service as costs
from hotline.costs.schemas import CostIn, InsuredCostIn
from hotline.db import utcnow
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.forms import local_date, page_errors, read_files, read_form
from hotline.i18n import page_lang
from hotline.messages import service as messages
from hotline.orgs.models import Organization
from hotline.portal import service
from hotline.timeline.render import views
from hotline.timeline.service import case_timeline

bp = Blueprint("portal", __name__)


def portal_cases(user: User) -> dict:
    """The insured's incidents, open first (nearest unmet deadline first), then closed ones."""
    session = get_session()
    scope = organization_scope(user)
    open_rows = cases.list_cases(session, organization_scope=scope, status="open", limit=100)
    closed = cases.list_cases(session, organization_scope=scope, status="closed", limit=50)
    return {"open": [(c, service.where_it_stands(c)) for c, _p, _o in open_rows], "closed": [c for c, _p, _o in closed],
            "organization": session.get(Organization, user.organization_id) if user.organization_id else None}


@bp.app_context_processor
def _portal_helpers():
    return {"portal_cases": portal_cases}


def incident_page(reference: str, *, errors=None, status=200, message_form=None):
    session = get_session()
    user = current_principal()
    case, policy = cases.get_visible_case(session, user, reference)
    lang = page_lang()
    coordinator = session.get(User, case.coordinator_id) if case.coordinator_id else None
    thread = messages.thread(session, case.id)
    authors = messages.authors(session, thread)
    product = costs.product_of(policy)
    return render_template(
        "portal/case.html", case=case, policy=policy, product=product, now=utcnow(),
        organization=session.get(Organization, policy.organization_id),
        coordinator=(coordinator.display_name or _("Coordinator")) if coordinator else None,
        stands=service.where_it_stands(case), phases=service.phase_items(session, case.id),
        deadlines=service.deadline_items(session, case), vendors=service.vendor_items(session, case.id),
        costs=service.cost_items(session, case, policy),
        # The entries meant for the insured, also when a staff member looks at the page (what the insured sees).
        timeline=views(session, case_timeline(session, case.id, insured_view=True), reader=user, lang=lang),
        messages=[(m, messages.author_name(m, user, authors, lang)) for m in thread],
        errors=errors or {}, message_form=message_form or {},
        receipt_max_mb=current_app.config["RECEIPT_MAX_BYTES"] // 2**20), status


@bp.get("/incidents/<reference>")
@require("case.read")
def case(reference: str):
    return incident_page(reference)


@bp.route("/incidents/<reference>/costs/new", methods=["GET", "POST"])
@require("cost.create")
def new_cost(reference: str):
    session = get_session()
    user = current_principal()
    case, policy = cases.get_visible_case(session, user, reference)
    product = costs.product_of(policy)
    errors: dict = {}
    form = request.form if request.method == "POST" else {"arose_on": local_date(costs.today_tokyo())}
    if request.method == "POST":
        try:
            data = read_form(InsuredCostIn, request.form)
            if product.category(data.category) is None:
                raise Invalid({"category": _("Choose a category of the policy.")})
            line = costs.record_cost(session, case=case, policy=policy, data=CostIn(**data.model_dump()), actor=user,
                                     receipts=read_files(request.files),
                                     receipt_max_bytes=current_app.config["RECEIPT_MAX_BYTES"])
        except (ValidationError, Invalid) as exc:
            session.rollback()
            errors = page_errors(exc)
        else:
            flash(_("Cost recorded. It is shown below with what the policy pays."))
            return redirect(url_for("portal.case", reference=reference) + f"#line-{line.id}")
    return render_template("portal/cost_form.html", case=case, policy=policy, product=product, form=form,
                           errors=errors, receipt_max_mb=current_app.config["RECEIPT_MAX_BYTES"] // 2**20), \
        (422 if errors else 200)
