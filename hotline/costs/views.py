"""Pages: the cost ledger and form of a case, its coverage (a bar per limit, reasons per line), and the
policy-period view across every case of a policy."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import select

from hotline.auth.permissions import can, current_principal, organization_scope, require
from hotline.cases.models import Case
from hotline.cases.service import get_visible_case
from hotline.costs import receipts, service
from hotline.costs.schemas import ConsentIn, CostIn
from hotline.coverage.engine import consent_outlook
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.forms import local_date, page_errors, read_files, read_form
from hotline.orgs.service import get_policy

bp = Blueprint("costs", __name__)


def _ledger_context(session, case, policy):
    product = service.product_of(policy)
    result = service.policy_coverage(session, policy)
    # A line waiting for consent that its limits cannot pay in full says so, never "record it to make it payable".
    outlook = {x.id: why for x in result.cases[case.id].lines if (why := consent_outlook(result, x)) is not None}
    return {"case": case, "policy": policy, "product": product, "result": result, "cr": result.cases[case.id],
            "outlook": outlook,
            "lines": service.list_lines(session, case.id), "can_update": can(current_principal(), "cost.update"),
            "can_create": can(current_principal(), "cost.create"), "receipts": receipts.of_case(session, case.id),
            "receipt_max_mb": current_app.config["RECEIPT_MAX_BYTES"] // 2**20}


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
    if request.method == "GET" and not user.role.is_staff:  # the insured's form takes receipts, never a consent
        return redirect(url_for("portal.new_cost", reference=reference))
    product = service.product_of(policy)
    form = request.form if request.method == "POST" else {
        "category": request.args.get("category", ""), "vendor_id": request.args.get("vendor", ""),
        "dispatch_id": request.args.get("dispatch", ""), "arose_on": local_date(service.today_tokyo())}
    errors: dict = {}
    warnings: list[str] = []
    if request.method == "POST":
        try:
            data = read_form(CostIn, request.form)
            if product.category(data.category) is None:
                raise Invalid({"category": _("Choose a category of the policy.")})
            warnings = service.warnings_for(product, case, data.category, arose_on=data.arose_on,
                                            ordered_at=data.ordered_at, consent_ref=data.consent_ref)
            if not warnings or request.form.get("confirm_warnings") == "on":
                ignored = service.withheld(data, user)
                line = service.record_cost(session, case=case, policy=policy, data=data, actor=user)
                flash(_("Cost line %(id)s recorded.", id=line.id))
                if ignored:
                    flash(_("The insurer's consent was not recorded: only the hotline records it."))
                return redirect(url_for("costs.coverage", reference=reference) + f"#line-{line.id}")
        except (ValidationError, Invalid) as exc:
            session.rollback()
            errors = page_errors(exc)
    status = 422 if errors or warnings else 200
    return render_template("costs/form.html", case=case, policy=policy, product=product, form=form, errors=errors,
                           warnings=warnings,
                           left=service.limits_left(session, case, policy, [c.code for c in product.categories])), status


@bp.post("/cases/<reference>/costs/<int:line_id>/consent")
@require("cost.update")
def consent(reference: str, line_id: int):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    try:
        data = read_form(ConsentIn, request.form)
        service.record_consent(session, case=case, policy=policy, line_id=line_id, data=data,
                               actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return render_template("costs/coverage.html", **_ledger_context(session, case, policy),
                               errors=page_errors(exc, prefix=f"line-{line_id}."),
                               consent_form={"line": line_id, **request.form}), 422
    flash(_("Consent recorded for cost line %(id)s.", id=line_id))
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
    return render_template("costs/coverage.html", **_ledger_context(session, case, policy), errors={},
                           consent_form={})


@bp.get("/policies/<int:policy_id>/coverage")
@require("coverage.read")
def policy_period(policy_id: int):
    session = get_session()
    policy = get_policy(session, policy_id, organization_scope=organization_scope(current_principal()))
    result = service.policy_coverage(session, policy)
    cases = {c.id: c for c in session.exec(select(Case).where(Case.policy_id == policy.id))}
    return render_template("costs/policy.html", policy=policy, product=service.product_of(policy), result=result,
                           cases=cases)


# --- Receipts: added to a line from the insured's incident page or the coverage page; downloaded by anyone who
# may see the case, always as an attachment.
def receipt_response(receipt, data: bytes):
    import io

    response = send_file(io.BytesIO(data), mimetype=receipt.content_type, as_attachment=True,
                         download_name=receipt.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/cases/<reference>/costs/<int:line_id>/receipts/<int:receipt_id>")
@require("coverage.read")
def receipt(reference: str, line_id: int, receipt_id: int):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    return receipt_response(*receipts.get(session, case, line_id, receipt_id))


@bp.post("/cases/<reference>/costs/<int:line_id>/receipts")
@require("cost.create")
def add_receipts(reference: str, line_id: int):
    session = get_session()
    user = current_principal()
    case, policy = get_visible_case(session, user, reference)
    back = (url_for("portal.case", reference=reference) if not user.role.is_staff
            else url_for("costs.coverage", reference=reference)) + f"#line-{line_id}"
    try:
        line = service.get_line(session, case, line_id)
        files = read_files(request.files)
        if not files:
            raise Invalid({"file": _("Choose a file.")})
        receipts.attach(session, case=case, line=line, uploads=files, actor=user,
                        max_bytes=current_app.config["RECEIPT_MAX_BYTES"])
    except Invalid as exc:
        session.rollback()
        if not user.role.is_staff:
            from hotline.portal.views import incident_page

            return incident_page(reference, errors=page_errors(exc, prefix=f"line-{line_id}."), status=422)
        return render_template("costs/coverage.html", **_ledger_context(session, case, policy),
                               errors=page_errors(exc, prefix=f"line-{line_id}."), consent_form={}), 422
    flash(_("Receipt added."))
    return redirect(back)
