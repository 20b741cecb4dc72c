"""Pages: the operator's intake form, the case page (deadlines, facts), and the dashboards' case panels."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import select

from hotline.auth.models import Role, User
from hotline.auth.permissions import can, current_principal, organization_scope, require
from hotline.cases import service
from hotline.cases.models import Case
from hotline.cases.schemas import NOT_NULL, PAGE_SIZE, CaseIn, CaseListPage, CasePatch, DeadlineMetIn
from hotline.cases.sections import render_sections
from hotline.db import utcnow
from hotline.deadlines import service as deadlines
from hotline.deadlines.models import Deadline
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.formatting import phone_text
from hotline.forms import local_value, page_errors, read_form
from hotline.orgs.models import Organization, Policy
from hotline.orgs.service import search_policies
from hotline.validation import clean_search
from workflows.deadlines import LABELS, RECORDABLE
from workflows.phases import PHASE_KEYS

bp = Blueprint("cases", __name__)

BOOLS = ("card_data", "sensitive_data", "malicious", "eu_data_subjects", "pmark_holder")
INSTANTS = ("first_discovered_at", "reported_at", "publication_made_at", "appi_known_at", "gdpr_aware_at",
            "card_known_at", "pmark_discovered_at")
TEXTS = ("caller_name", "caller_phone", "caller_email", "contact_name", "contact_phone", "contact_email",
         "contact_language",
         "discovery_basis", "discovery_source", "attack_confirmed", "summary")
CLEARABLE = frozenset(CasePatch.model_fields) - NOT_NULL  # blank on the case page clears these


def _offsets():
    return deadlines.parse_offsets(current_app.config["REMINDER_OFFSETS"])


def _resolve_policy(session, text: str) -> int:
    text = clean_search(text, 60)
    if not text:
        raise Invalid({"policy_id": _("Choose a policy: type its number or the company name.")})
    exact = session.exec(select(Policy).where(Policy.policy_number == text)).first()
    if exact:
        return exact.id
    found = search_policies(session, text, limit=2)
    if len(found) == 1:
        return found[0][0].id
    raise Invalid({"policy_id": _("No policy matches this.") if not found else
                   _("Several policies match; pick one from the list.")})


def read_case_form(model, form, session, *, partial: bool):
    """The intake form (CaseIn) or the case page's facts form (CasePatch), read like the API's body; the policy
    is typed as its number or the company name. Raises Invalid with every field wrong, in the page's language."""
    errors: dict[str, str] = {}
    values = {}
    if not partial or form.get("policy", "").strip():
        try:
            values["policy_id"] = _resolve_policy(session, form.get("policy", ""))
        except Invalid as exc:
            errors.update(page_errors(exc))
    try:
        data = read_form(model, form, fields=[f for f in model.model_fields if f != "policy_id"], checkboxes=BOOLS,
                         clear=CLEARABLE if partial else (), values=values)
    except ValidationError as exc:
        raise Invalid({**page_errors(exc), **errors}) from None  # our words for the policy field win
    if errors:
        raise Invalid(errors)
    return data


def _coordinators(session):
    return list(session.exec(select(User).where(User.role == Role.coordinator, User.is_active.is_(True))
                             .order_by(User.display_name)))


LIST_COLUMNS = (Case.id, Case.reference, Case.status, Case.phase, Case.caller_name, Case.first_discovered_at,
                Case.coordinator_id, Policy.policy_number, Organization.name.label("organization"))


@bp.get("/cases")
@require("case.read")
def index():
    """The case list and search (the top bar's box): a page of PAGE_SIZE rows in the list's order, filters in
    the query string. One case found by a search opens it at once. Insureds have their company's list on their
    dashboard (hotline/portal)."""
    user = current_principal()
    if user.role is Role.insured:
        return redirect(url_for("dashboard.index"))
    session = get_session()
    errors: dict[str, str] = {}
    rows: list = []
    try:
        query = read_form(CaseListPage, request.args, checkboxes=("overdue",))
    except ValidationError as exc:
        query, errors = None, page_errors(exc)
    now = utcnow()
    if query is not None:
        rows = service.list_cases(session, status=None if query.status == "all" else query.status,
                                  phase=query.phase, coordinator_id=query.coordinator_id, overdue=query.overdue,
                                  q=query.q, now=now, columns=LIST_COLUMNS, limit=PAGE_SIZE + 1,
                                  offset=(query.page - 1) * PAGE_SIZE)
        if query.q and query.page == 1 and len(rows) == 1:
            return redirect(url_for("cases.show", reference=rows[0].reference))
    rows, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    assigned = {r.coordinator_id for r in rows} - {None}
    names = {u.id: u.label for u in session.exec(select(User).where(User.id.in_(assigned)))} if assigned else {}
    return render_template("cases/list.html", rows=rows, more=more, query=query, form=request.args, errors=errors,
                           now=now, coordinators=_coordinators(session), coordinator_names=names,
                           phases=PHASE_KEYS, nearest=nearest_deadlines(session, [r.id for r in rows]),
                           labels=LABELS), (422 if errors else 200)


@bp.get("/cases/policy-lookup")
@require("case.create")
def policy_lookup():
    """Intake's policy search (number or company name) for the form's datalist."""
    rows = search_policies(get_session(), clean_search(request.args.get("q")), limit=20)
    return jsonify([{"id": p.id, "policy_number": p.policy_number, "organization": o.name, "plan": p.plan}
                    for p, o in rows])


def _intake_call(session):
    """The call a case is being opened from (?call= on the panel's link, call_id in the form), if any."""
    from hotline.calls.models import Call

    raw = request.form.get("call_id") or request.args.get("call") or ""
    call = session.get(Call, int(raw)) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31 else None
    return call if call is not None and call.case_id is None else None


def _from_call(session, call) -> dict:
    """The intake form prefilled from a call: its number, and the policy when the number matches one."""
    values = {"caller_phone": call.from_e164 or "", "contact_phone": call.from_e164 or ""}
    if len(call.organization_ids or []) == 1:
        policies = session.exec(select(Policy).where(Policy.organization_id == call.organization_ids[0])).all()
        if len(policies) == 1:
            values["policy"] = policies[0].policy_number
    return values


@bp.route("/cases/new", methods=["GET", "POST"])
@require("case.create")
def new_case():
    session = get_session()
    errors: dict[str, str] = {}
    form = request.form
    call = _intake_call(session)
    if request.method == "GET" and call is not None:
        form = _from_call(session, call)
    if request.method == "POST":
        try:
            data = read_case_form(CaseIn, form, session, partial=False)
            case = service.create_case(session, data, actor=current_principal(), offsets=_offsets(),
                                       finish_intake=True)
            flash(_("Case %(ref)s opened. Intake is complete; initial response has started.", ref=case.reference))
            return redirect(url_for("cases.show", reference=case.reference))
        except Invalid as exc:
            session.rollback()
            errors = page_errors(exc)
    policies = search_policies(session, "", limit=200)
    return render_template("cases/new.html", form=form, errors=errors, policies=policies, call=call,
                           coordinators=_coordinators(session)), (422 if errors else 200)


def _case_page(reference: str, *, errors=None, form=None, status=200, met_form=None):
    session = get_session()
    user = current_principal()
    case, policy = service.get_visible_case(session, user, reference)
    rows = deadlines.deadlines_of(session, case.id)
    organization = session.get(Organization, policy.organization_id)
    coordinator = session.get(User, case.coordinator_id) if case.coordinator_id else None
    if coordinator is not None:  # an insured reads a name or the role, never a staff e-mail address
        coordinator = coordinator.label if user.role.is_staff else coordinator.display_name or _("Coordinator")
    values = form or {**{n: getattr(case, n) or "" for n in TEXTS},
                      **{n: phone_text(getattr(case, n)) for n in ("caller_phone", "contact_phone")},
                      **{n: local_value(getattr(case, n)) for n in INSTANTS},
                      **{n: getattr(case, n) for n in BOOLS},
                      "personal_records_affected": "" if case.personal_records_affected is None
                      else case.personal_records_affected, "coordinator_id": case.coordinator_id or ""}
    return render_template(
        "cases/show.html", case=case, policy=policy, organization=organization, deadlines=rows, now=utcnow(),
        labels=LABELS, recordable=RECORDABLE, coordinator=coordinator, values=values, errors=errors or {},
        can_edit=can(user, "case.update"), coordinators=_coordinators(session) if can(user, "case.update") else [],
        outside=not policy.covers(case.first_discovered_at), met_form=met_form or {},
        rules=deadlines.rules_of(session, case),
        sections=render_sections(session=session, case=case, policy=policy, user=user)), status


@bp.get("/cases/<reference>")
@require("case.read")
def show(reference: str):
    if current_principal().role is Role.insured:  # insureds have their own page of the case (hotline/portal)
        service.get_visible_case(get_session(), current_principal(), reference)  # 404 for another company's
        return redirect(url_for("portal.case", reference=reference))
    return _case_page(reference)


@bp.post("/cases/<reference>/facts")
@require("case.update")
def update_facts(reference: str):
    session = get_session()
    case, _policy = service.get_visible_case(session, current_principal(), reference)
    try:
        data = read_case_form(CasePatch, request.form, session, partial=True)
        changes = service.update_case(session, case, data, actor=current_principal(), offsets=_offsets())
    except Invalid as exc:
        session.rollback()
        return _case_page(reference, errors=page_errors(exc), form=request.form, status=422)
    if changes:
        flash(_("Facts saved. Deadlines moved: %(kinds)s.", kinds=", ".join(_(LABELS[k]) for k, *_rest in changes)))
    else:
        flash(_("Facts saved. No deadline moved."))
    return redirect(url_for("cases.show", reference=reference))


@bp.post("/cases/<reference>/deadlines/<kind>/met")
@require("case.update")
def deadline_met(reference: str, kind: str):
    session = get_session()
    case, _policy = service.get_visible_case(session, current_principal(), reference)
    try:  # blank: now
        data = read_form(DeadlineMetIn, request.form, values=None if request.form.get("met_at", "").strip()
                         else {"met_at": utcnow()})
        deadlines.record_met(session, case, kind, data.met_at, actor=current_principal(), offsets=_offsets())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _case_page(reference, errors=page_errors(exc, prefix=f"met.{kind}."), status=422,
                          met_form={"kind": kind, "met_at": request.form.get("met_at", "")})
    flash(_("Recorded: %(what)s.", what=_(LABELS.get(kind, kind))))
    return redirect(url_for("cases.show", reference=reference))


# --- Dashboard panels ----------------------------------------------------------------------------------

def nearest_deadlines(session, case_ids: list[int]) -> dict[int, object]:
    """Each case's nearest unmet deadline (open or missed), with the columns a deadline's display reads."""
    nearest: dict[int, object] = {}
    if case_ids:
        for d in session.exec(select(Deadline.case_id, Deadline.kind, Deadline.due_at, Deadline.last_day,
                                     Deadline.status, Deadline.met_at)
                              .where(Deadline.case_id.in_(case_ids), Deadline.status.in_(("open", "missed")),
                                     Deadline.met_at.is_(None), Deadline.due_at.is_not(None))):
            if d.case_id not in nearest or d.due_at < nearest[d.case_id].due_at:
                nearest[d.case_id] = d
    return nearest


DASHBOARD_COLUMNS = (Case.id, Case.reference, Organization.name.label("organization"))


def dashboard_cases(user, *, limit: int = 50) -> dict:
    """Open cases nearest unmet deadline first (overdue first), with that deadline, for a staff dashboard:
    only the columns it shows."""
    session = get_session()
    rows = service.list_cases(session, organization_scope=organization_scope(user), status="open",
                              columns=DASHBOARD_COLUMNS, limit=limit)
    return {"rows": rows, "nearest": nearest_deadlines(session, [r.id for r in rows]), "now": utcnow(),
            "labels": LABELS}


def overdue_deadlines(limit: int = 50) -> list[tuple[Deadline, object]]:
    """Every overdue deadline of every open case (the admin's dashboard), with its case."""
    return deadlines.overdue_on_open_cases(get_session(), now=utcnow(), limit=limit)


@bp.app_context_processor
def _dashboard_helpers():
    return {"case_dashboard": dashboard_cases, "overdue_deadlines": overdue_deadlines, "overdue_now": utcnow,
            "deadline_labels": LABELS}
