"""Pages: the cost ledger and form of a case, its coverage (a bar per limit, reasons per line), and the
policy-period view across every case of a policy."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import select

from hotline.auth.permissions import can, current_principal, organization_scope, require
from hotline.cases.models import Case
from hotline.cases.service import get_visible_case
from hotline.costs import service
from hotline.costs.schemas import ConsentIn, CostIn
from hotline.error_handlers import fields_from_validation
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.formatting import TOKYO
from hotline.orgs.service import get_policy

bp = Blueprint("costs", __name__)

FIELDS = ("category", "amount_jpy", "arose_on", "ordered_at", "victims", "consent_ref", "consent_on", "vendor_id",
          "dispatch_id", "invoice_ref", "note")
INTS = ("amount_jpy", "victims", "vendor_id", "dispatch_id")


def _payload(form) -> dict:
    """Form text → API-shaped values; what cannot be parsed is passed on as text so pydantic names the field."""
    out: dict = {}
    for name in FIELDS:
        raw = (form.get(name) or "").strip()
        if not raw:
            continue
        if name in INTS:
            digits = raw.replace(",", "").replace("¥", "").replace("円", "")
            out[name] = int(digits) if digits.isdigit() else raw
        elif name == "ordered_at":
            try:
                out[name] = dt.datetime.fromisoformat(raw).replace(tzinfo=TOKYO)
            except ValueError:
                out[name] = raw
        else:
            out[name] = raw
    return out


def _ledger_context(session, case, policy):
    product = service.product_of(policy)
    result = service.policy_coverage(session, policy)
    return {"case": case, "policy": policy, "product": product, "result": result, "cr": result.cases[case.id],
            "lines": service.list_lines(session, case.id), "can_update": can(current_principal(), "cost.update"),
            "can_create": can(current_principal(), "cost.create")}


def case_section(*, session, case, policy, user) -> dict | None:
    """Entry for hotline/cases/sections.py CASE_SECTIONS: the coverage summary on the case page."""
    if not can(user, "coverage.read"):
        return None
    ctx = _ledger_context(session, case, policy)
    ctx.pop("case")
    ctx.pop("policy")
    return {"template": "costs/_section.html", "context": ctx}


@bp.get("/cases/<reference>/costs")
@require("coverage.read")
def ledger(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    return render_template("costs/ledger.html", **_ledger_context(session, case, policy))


@bp.route("/cases/<reference>/costs/new", methods=["GET", "POST"])
@require("cost.create")
def new_cost(reference: str):
    session = get_session()
    user = current_principal()
    case, policy = get_visible_case(session, user, reference)
    product = service.product_of(policy)
    form = request.form if request.method == "POST" else {
        "category": request.args.get("category", ""), "vendor_id": request.args.get("vendor", ""),
        "dispatch_id": request.args.get("dispatch", ""), "arose_on": service.today_tokyo().isoformat()}
    errors: dict = {}
    warnings: list[str] = []
    if request.method == "POST":
        try:
            data = CostIn.model_validate(_payload(request.form))
            if product.category(data.category) is None:
                raise Invalid({"category": _("Choose a category of the policy.")})
            warnings = service.warnings_for(product, case, data.category, arose_on=data.arose_on,
                                            ordered_at=data.ordered_at, consent_ref=data.consent_ref)
            if not warnings or request.form.get("confirm_warnings") == "on":
                line = service.record_cost(session, case=case, policy=policy, data=data, actor=user)
                flash(_("Cost line %(id)s recorded.", id=line.id))
                return redirect(url_for("costs.coverage", reference=reference) + f"#line-{line.id}")
        except ValidationError as exc:
            errors = fields_from_validation(exc)
        except Invalid as exc:
            session.rollback()
            errors = exc.fields
    status = 422 if errors or warnings else 200
    return render_template("costs/form.html", case=case, policy=policy, product=product, form=form, errors=errors,
                           warnings=warnings), status


@bp.post("/cases/<reference>/costs/<int:line_id>/consent")
@require("cost.update")
def consent(reference: str, line_id: int):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    try:
        data = ConsentIn.model_validate({k: v for k, v in (("consent_ref", request.form.get("consent_ref", "").strip()),
                                                          ("consent_on", request.form.get("consent_on") or None))
                                         if v is not None})
        service.record_consent(session, case=case, policy=policy, line_id=line_id, data=data,
                               actor=current_principal())
        flash(_("Consent recorded for cost line %(id)s.", id=line_id))
    except ValidationError:
        flash(_("Enter the insurer's consent reference."), "error")
    return redirect(url_for("costs.coverage", reference=reference) + f"#line-{line_id}")


@bp.post("/cases/<reference>/costs/<int:line_id>/remove")
@require("cost.update")
def remove(reference: str, line_id: int):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    service.remove_cost(session, case=case, policy=policy, line_id=line_id, actor=current_principal())
    flash(_("Cost line %(id)s removed; it stays in the timeline.", id=line_id))
    return redirect(url_for("costs.ledger", reference=reference))


@bp.get("/cases/<reference>/coverage")
@require("coverage.read")
def coverage(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    return render_template("costs/coverage.html", **_ledger_context(session, case, policy))


@bp.get("/policies/<int:policy_id>/coverage")
@require("coverage.read")
def policy_period(policy_id: int):
    session = get_session()
    policy = get_policy(session, policy_id, organization_scope=organization_scope(current_principal()))
    result = service.policy_coverage(session, policy)
    cases = {c.id: c for c in session.exec(select(Case).where(Case.policy_id == policy.id))}
    return render_template("costs/policy.html", policy=policy, product=service.product_of(policy), result=result,
                           cases=cases)
