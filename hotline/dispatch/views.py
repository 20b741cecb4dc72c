"""Pages: the vendor registry, the dispatch section of a case, and the vendor's answer page (no account)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from hotline.auth.permissions import can, current_principal, require
from hotline.cases.service import get_visible_case
from hotline.costs.service import category_label, limits_left, product_of
from hotline.dispatch import links, registry, service
from hotline.dispatch.models import Dispatch, DispatchAttempt
from hotline.dispatch.schemas import DispatchAction, DispatchIn, VendorIn, VendorPatch
from hotline.dispatch.settings import from_config
from hotline.error_handlers import status_of
from hotline.errors import Conflict, Forbidden, Invalid, NeedsOverride
from hotline.extensions import get_session, notifier
from hotline.forms import page_errors, read_form
from hotline.i18n import page_lang, render
from hotline.timeline.render import views
from vendors import capabilities, escalation
from workflows import phases

bp = Blueprint("vendors", __name__)


def _ranked(session, capability: str) -> list[tuple]:
    """(vendor, why it has its place, to render) best first."""
    return [(v, list(r.reasons)) for v, r in registry.ranked(session, capability)]


def _cap_names() -> dict[str, str]:
    return {c: render(capabilities.name(c), page_lang()) for c in capabilities.CODES}


@bp.app_context_processor
def _dispatch_board():
    def dispatch_board():
        return service.board(get_session())

    return {"dispatch_board": dispatch_board}


# --- Registry -----------------------------------------------------------------------------------------
@bp.get("/vendors")
@require("vendor.read")
def index():
    session = get_session()
    capability = request.args.get("capability") or ""
    rows = _ranked(session, capability) if capability in capabilities.CODES else None
    loads = registry.loads(session)
    return render_template("dispatch/vendors.html", vendors=registry.list_vendors(session), ranked=rows,
                           capability=capability, cap_names=_cap_names(), loads=loads,
                           contacts={v.id: registry.contacts_of(session, v.id) for v in registry.list_vendors(session)},
                           can_write=can(current_principal(), "vendor.write"))


def _contact_rows(text: str) -> list[dict]:
    """One contact per line, 'name, phone' (090-1234-5678 or +81…), in on-call order."""
    rows = []
    for line in (ln.strip() for ln in text.splitlines()):
        if line:
            name, sep, phone = line.rpartition(",")
            rows.append({"name": name.strip() if sep else "", "phone": phone.strip()})
    return rows


def _read_vendor_form(form) -> VendorIn:
    """The vendor form as the API's VendorIn, the whole vendor; the contacts textarea as its list of contacts."""
    values = {"contacts": _contact_rows(form.get("contacts", ""))}
    values["languages"] = [x.strip() for x in form.get("languages", "").replace("、", ",").split(",") if x.strip()]
    return read_form(VendorIn, form, fields=("name", "capabilities", "hours", "escalation_rank", "note", "active"),
                     checkboxes=("active",), lists=("capabilities",), values=values)


def _vendor_errors(exc) -> dict[str, str]:
    """Errors by field; a contact's error says which line of the textarea it is."""
    errors = {}
    for field, why in page_errors(exc).items():
        parts = field.split(".")
        if parts[0] == "contacts" and len(parts) > 1 and parts[1].isdecimal():
            errors.setdefault("contacts", _("Line %(n)s: %(why)s Write 'name, phone', e.g. "
                                            "'Duty desk, 03-1234-5678'.", n=int(parts[1]) + 1, why=why))
        else:
            errors.setdefault(parts[0], why)
    return errors


def _typed(form) -> dict:
    return {"name": form.get("name", ""), "capabilities": form.getlist("capabilities"),
            "hours": form.get("hours", "24x7"), "languages": [form.get("languages", "")],
            "escalation_rank": form.get("escalation_rank", ""), "note": form.get("note", ""),
            "active": form.get("active") == "on", "contacts_text": form.get("contacts", "")}


def _render_form(vendor, values, errors, status=200):
    return render_template("dispatch/vendor_form.html", vendor=vendor, values=values, errors=errors,
                           cap_names=_cap_names(), can_write=can(current_principal(), "vendor.write")), status


@bp.route("/vendors/new", methods=["GET", "POST"])
@require("vendor.write")
def create():
    values = {"name": "", "capabilities": [], "hours": "24x7", "languages": ["ja"], "escalation_rank": 100,
              "note": "", "active": True, "contacts_text": ""}
    if request.method == "GET":
        return _render_form(None, values, {})
    session = get_session()
    try:
        vendor = registry.create_vendor(session, _read_vendor_form(request.form), actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _render_form(None, _typed(request.form), _vendor_errors(exc), 422)
    flash(_("Vendor %(name)s registered.", name=vendor.name))
    return redirect(url_for("vendors.index"))


@bp.route("/vendors/<int:vendor_id>", methods=["GET", "POST"])
@require("vendor.read")
def edit(vendor_id: int):
    session = get_session()
    vendor = registry.get_vendor(session, vendor_id)
    contacts = registry.contacts_of(session, vendor.id)
    values = {"name": vendor.name, "capabilities": vendor.capabilities, "hours": vendor.hours,
              "languages": vendor.languages, "escalation_rank": vendor.escalation_rank, "note": vendor.note,
              "active": vendor.active, "contacts_text": "\n".join(f"{c.name}, {c.phone}" for c in contacts)}
    if request.method == "GET":
        return _render_form(vendor, values, {})
    if not can(current_principal(), "vendor.write"):
        raise Forbidden(_("Your role may not do this."))
    try:
        data = _read_vendor_form(request.form)  # the whole vendor: a blank name is "fill this in"
        registry.update_vendor(session, vendor, VendorPatch(**data.model_dump()), actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _render_form(vendor, _typed(request.form), _vendor_errors(exc), 422)
    flash(_("Vendor %(name)s saved. Running dispatches keep the chain they started with.", name=vendor.name))
    return redirect(url_for("vendors.edit", vendor_id=vendor.id))


# --- The dispatch section of a case ---------------------------------------------------------------------
def section_context(session, case, policy, user, capability: str = "", form: dict | None = None,
                    warnings: list[str] | None = None, errors: dict | None = None) -> dict:
    """What the dispatch section of a case page shows; insureds get the engaged vendors only."""
    engaged = service.engaged_vendors(session, case.id)
    ctx = {"case": case, "engaged": engaged, "cap_names": _cap_names(), "staff": can(user, "dispatch.read")}
    if not ctx["staff"]:
        return ctx
    dispatches = service.dispatches_for_case(session, case.id)
    ids = [d.id for d in dispatches]
    capability = capability if capability in capabilities.CODES else ""
    history = service.history_for(session, ids)
    ctx.update(dispatches=dispatches, attempts=service.attempts_for(session, ids),
               history={i: views(session, events, reader=user, lang=page_lang()) for i, events in history.items()},
               capability=capability,
               ranked=_ranked(session, capability) if capability else [],
               vendor_names={v.id: v.name for v in registry.list_vendors(session)},
               can_dispatch=can(user, "dispatch.create"), form=form or {}, warnings=warnings or [],
               errors=errors or {},
               expected_categories=[category_label(product_of(policy), c) for c in
                                    capabilities.cost_categories(capability, case.attack_confirmed)] if capability else [],
               warnings_of=service.warnings_of,
               # the cost form opens with the dispatch, its vendor and the first expected category filled in
               cost_category=lambda d: (capabilities.cost_categories(d.capability, case.attack_confirmed) or ("",))[0],
               preview_warnings=(service.warnings_for(session, case, policy.product, capability, now=service.utcnow())
                                 if capability else []),
               left=_limits_of_work(session, case, policy, capability) if capability else [])
    return ctx


def proposals(session, case, policy) -> list[dict]:
    """For each capability the case's active phases call for: the dispatch that covers it, or the best-ranked
    vendor with a brief pre-filled from the case (in that vendor's language) and what the policy warns of."""
    from hotline.orgs.models import Organization
    from hotline.phases.service import phases_of

    statuses = {p.key: p.status for p in phases_of(session, case.id)}
    covered = service.covered_capabilities(session, case.id)
    company = session.get(Organization, policy.organization_id).name
    now = service.utcnow()
    out = []
    for capability in phases.needed_capabilities(statuses, eu_data_subjects=case.eu_data_subjects):
        proposal = {"capability": capability, "covered": covered.get(capability)}
        best = next(((v, r) for v, r in registry.ranked(session, capability, now=now) if r.vendor.contacts), None)
        if proposal["covered"] is None and best is not None:
            vendor, ranked = best
            proposal.update(vendor=vendor, reasons=list(ranked.reasons), left=_limits_of_work(session, case, policy,
                                                                                            capability),
                            brief=service.brief_of(case, company, service.vendor_language(session, vendor.id)),
                            warnings=service.warnings_for(session, case, policy.product, capability, now=now))
        out.append(proposal)
    return out


def _limits_of_work(session, case, policy, capability: str) -> list[tuple]:
    """(category name, what is left of each limit it draws on) for the cost categories the work would produce."""
    codes = capabilities.cost_categories(capability, case.attack_confirmed)
    left = limits_left(session, case, policy, codes)
    return [(category_label(product_of(policy), code), left[code]) for code in codes if left[code]]


def proposals_section(*, session, case, policy, user) -> dict | None:
    """Entry for hotline/cases/sections.py CASE_SECTIONS: the next actions, at the top of the case page."""
    if not can(user, "dispatch.create") or case.status != "open":
        return None
    rows = proposals(session, case, policy)
    if not rows:
        return None
    return {"template": "dispatch/_proposals.html",
            "context": {"proposals": rows, "cap_names": _cap_names(),
                        "vendor_names": {v.id: v.name for v in registry.list_vendors(session)}}}


def case_section(*, session, case, policy, user) -> dict:
    """Entry for hotline/cases/sections.py CASE_SECTIONS."""
    ctx = section_context(session, case, policy, user, request.args.get("capability", ""))
    ctx.pop("case")  # the case page passes it itself
    if not ctx["staff"] and not ctx["engaged"]:
        return None
    return {"template": "dispatch/_section.html", "context": {**ctx, "compact": True}}


@bp.get("/cases/<reference>/dispatches")
@require("dispatch.read")
def case_dispatches(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    ctx = section_context(session, case, policy, current_principal(), request.args.get("capability", ""))
    return render_template("dispatch/case_page.html", **ctx)


@bp.post("/cases/<reference>/dispatches")
@require("dispatch.create")
def dispatch_create(reference: str):
    session = get_session()
    user = current_principal()
    case, policy = get_visible_case(session, user, reference)
    form = {"vendor_id": request.form.get("vendor_id", ""), "capability": request.form.get("capability", ""),
            "brief": request.form.get("brief", ""), "override_warnings": request.form.get("override_warnings") == "on"}

    def again(status, warnings=None, errors=None):
        ctx = section_context(session, case, policy, user, form["capability"], form, warnings, errors)
        return render_template("dispatch/case_page.html", **ctx), status

    try:
        data = read_form(DispatchIn, request.form, checkboxes=("override_warnings",))
        dispatch = service.create_dispatch(session, case=case, product_code=policy.product, data=data, actor=user,
                                           notifier=notifier(),
                                           settings=from_config(current_app.config))
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return again(422, errors=page_errors(exc))
    except NeedsOverride as exc:
        session.rollback()  # the same warnings, in the page's language
        return again(status_of(exc), warnings=exc.warnings)
    except Conflict as exc:
        session.rollback()
        return again(status_of(exc), errors={"case": render(exc.message, page_lang())})
    message = _("Dispatch #%(id)s sent to %(vendor)s; waiting for the vendor to accept.", id=dispatch.id,
                vendor=registry.get_vendor(session, dispatch.vendor_id).name)
    if request.form.get("from") == "proposal":  # one click on the case page: the answer shows where it was
        flash(message, "next")
        return redirect(url_for("cases.show", reference=case.reference) + "#next")
    flash(message, "dispatch")
    return redirect(url_for("vendors.case_dispatches", reference=case.reference))


@bp.post("/cases/<reference>/dispatches/<int:dispatch_id>")
@require("dispatch.create")
def dispatch_action(reference: str, dispatch_id: int):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    data = read_form(DispatchAction, request.form)  # buttons, not typed: a bad value is the 422 error page
    try:
        service.coordinator_action(session, dispatch=service.get_dispatch(session, case, dispatch_id),
                                   action=data.action, note=data.note, actor=current_principal(),
                                   notifier=notifier(), settings=from_config(current_app.config))
        flash(_("Dispatch #%(id)s updated.", id=dispatch_id), "dispatch")
    except Conflict as exc:
        session.rollback()
        flash(render(exc.message, page_lang()), "error")
    return redirect(url_for("vendors.case_dispatches", reference=case.reference) + "#dispatch")


# --- The vendor's answer page: no account, a signed link that decides once ---------------------------
def _attempt_from_token(token: str):
    settings = from_config(current_app.config)
    session = get_session()
    try:
        attempt_id = links.read_token(settings.secret_key, token, max_age=settings.link_max_age)
    except links.LinkError as exc:
        return None, None, exc.reason
    attempt = session.get(DispatchAttempt, attempt_id)
    if attempt is None:
        return None, None, "invalid"
    return attempt, session.get(Dispatch, attempt.dispatch_id), None


def _answer_page(token, attempt, dispatch, problem=None, outcome=None, status=200):
    step = escalation.Step.from_json(dispatch.chain[attempt.step]) if dispatch is not None else None
    from hotline.cases.models import Case

    case = get_session().get(Case, dispatch.case_id) if dispatch is not None else None
    return render_template("dispatch/answer.html", token=token, attempt=attempt, dispatch=dispatch, step=step,
                           case=case, problem=problem, outcome=outcome, cap_names=_cap_names()), status


@bp.get("/dispatch/answer/<token>")
def answer(token: str):
    attempt, dispatch, problem = _attempt_from_token(token)
    if problem:
        return _answer_page(token, None, None, problem=problem, status=410 if problem == "expired" else 404)
    if attempt.outcome in ("accepted", "declined") or attempt.late_answer:
        return _answer_page(token, attempt, dispatch, problem="used", status=409)
    if attempt.closed_at is not None:  # superseded: say so before they spend time on it
        colleague = dispatch.status == "accepted" and dispatch.vendor_id == attempt.vendor_id
        return _answer_page(token, attempt, dispatch, problem="colleague" if colleague else "closed")
    return _answer_page(token, attempt, dispatch)


@bp.post("/dispatch/answer/<token>")
def answer_post(token: str):
    attempt, dispatch, problem = _attempt_from_token(token)
    if problem:
        return _answer_page(token, None, None, problem=problem, status=410 if problem == "expired" else 404)
    choice = request.form.get("answer")
    if choice not in ("accept", "decline"):
        return _answer_page(token, attempt, dispatch, problem="choose", status=422)
    session = get_session()
    outcome = service.respond(session, attempt_id=attempt.id, answer=choice, via="link",
                              notifier=notifier(),
                              settings=from_config(current_app.config))
    session.refresh(dispatch)
    status = {"already_used": 409}.get(outcome, 200)
    return _answer_page(token, session.get(DispatchAttempt, attempt.id), dispatch, outcome=outcome, status=status)
