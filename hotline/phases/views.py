"""Pages: the phases section of a case (phase buttons, checklists, add-task form) and the dashboard panel."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from hotline.auth.permissions import can, current_principal, require
from hotline.cases.service import get_visible_case
from hotline.error_handlers import status_of
from hotline.errors import Blocked, Conflict, Invalid
from hotline.extensions import get_session
from hotline.forms import page_errors, read_form
from hotline.i18n import page_lang, render
from hotline.phases import service
from hotline.phases.schemas import PhaseMoveIn, ReopenIn, TaskIn
from workflows import phases as rules

bp = Blueprint("phases", __name__)

STATUS_LABELS = {"not_started": _l("Not started"), "active": _l("In progress"), "done": _l("Done"),
                 "skipped": _l("Skipped"), "open": _l("Not done yet")}
OWNER_LABELS = {"operator": _l("Operator"), "coordinator": _l("Coordinator"), "insured": _l("Insured")}


def section_context(session, case, user, *, errors: dict | None = None, form: dict | None = None) -> dict:
    rows = service.phases_with_tasks(session, case)
    statuses = {p.key: p.status for p, _ in rows}
    now = dt.datetime.now(dt.UTC)
    phase_rows = [{"phase": p, "title": rules.title(p.key), "tasks": tasks,
                   "skippable": rules.PHASES[p.key].skippable,
                   # ending the phase with open tasks carries them on: the card says where, before the click
                   "open_tasks": sum(t.status == "open" for t in tasks),
                   "carry_to": rules.title(to) if (to := rules.successor(statuses, p.key)) else None,
                   "start_blockers": rules.blockers(statuses, p.key, "start") if p.status == "not_started" else []}
                  for p, tasks in rows]
    return {"case": case, "phase_rows": phase_rows, "now": now,
            "cost_labels": _cost_labels(session, case, [t for _, tasks in rows for t in tasks]),
            "can_update": can(user, "phase.update") and case.status == "open",
            "can_task": can(user, "task.write") and case.status == "open",
            "can_reopen": can(user, "case.reopen") and case.status == "closed",
            "status_labels": STATUS_LABELS, "owner_labels": OWNER_LABELS,
            "phase_choices": [(k, rules.title(k)) for k in rules.PHASE_KEYS],
            "errors": errors or {}, "form": form or {}, "next": _next_target(case),
            "task_errors": any(k.startswith("task.") and k != "task.guard" for k in errors or {})}


def _cost_labels(session, case, tasks) -> dict:
    """The name of each cost category the checklist links to (the policy's product), to render."""
    from hotline.orgs.models import Policy
    from hotline.products.catalogue import get_product

    policy = session.get(Policy, case.policy_id)
    product = get_product(policy.product) if policy else None
    out = {}
    for code in {t.cost_category for t in tasks if t.cost_category}:
        cat = product.category(code) if product is not None and hasattr(product, "category") else None
        out[code] = cat.label if cat else code
    return out


def _next_target(case) -> str:
    """Where the buttons return to: the page showing them, or after a failed POST the page it came from."""
    if request.method == "GET":
        return request.path
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):  # only our own pages
        target = url_for("phases.page", reference=case.reference)
    return target


def case_section(*, session, case, policy, user) -> dict:
    """For the case page's section registry (hotline/cases/sections.py)."""
    context = section_context(session, case, user)
    context.pop("case")  # the registry passes case and policy itself
    return {"template": "phases/_section.html", "context": context}


def _render(case, policy, *, errors=None, form=None, status=200):
    session = get_session()
    ctx = section_context(session, case, current_principal(), errors=errors, form=form)
    return render_template("phases/page.html", policy=policy, **ctx), status


def _back(case):
    return redirect(_next_target(case) + "#phases")


@bp.get("/cases/<reference>/phases")
@require("phase.read")
def page(reference: str):
    case, policy = get_visible_case(get_session(), current_principal(), reference)
    return _render(case, policy)


@bp.post("/cases/<reference>/phases/<key>")
@require("phase.update")
def move(reference: str, key: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    service.require_phase_key(key)
    reason = request.form.get("reason", "")
    open_tasks = len(service.open_tasks_of(session, case.id, key))
    try:
        data = read_form(PhaseMoveIn, request.form)
        service.move_phase(session, case, key, data.action, reason=data.reason, actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        errors = {f: _("A reason is required to skip a phase.") if f == f"{key}.reason" and not reason.strip()
                  else why for f, why in page_errors(exc, prefix=f"{key}.").items()}
        return _render(case, policy, errors=errors, form={"reason": reason, "phase": key}, status=422)
    except Conflict as exc:
        session.rollback()
        blockers = exc.blockers if isinstance(exc, Blocked) else [exc.message]
        return _render(case, policy, errors={f"{key}.guard": blockers}, form={"reason": reason, "phase": key},
                       status=status_of(exc))
    action = data.action
    phase = render(rules.title(key), page_lang())
    labels = {"start": _("Phase started: %(phase)s", phase=phase), "complete": _("Phase completed: %(phase)s", phase=phase),
              "skip": _("Phase skipped: %(phase)s", phase=phase)}
    flash(labels[action], "phases")
    to = rules.successor({p.key: p.status for p in service.phases_of(session, case.id)}, key)
    if action != "start" and open_tasks and to:
        flash(_("Open tasks carried to %(phase)s: %(num)s.", num=open_tasks,
                phase=render(rules.title(to), page_lang())), "phases")
    if case.status == "closed":
        flash(_("The case is closed."))
    return _back(case)


@bp.post("/cases/<reference>/reopen")
@require("case.reopen")
def reopen(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    try:
        data = read_form(ReopenIn, request.form)
        service.reopen_case(session, case, reason=data.reason, actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _render(case, policy, errors=page_errors(exc, prefix="reopen."),
                       form={"reopen_reason": request.form.get("reason", "")}, status=422)
    flash(_("The case is open again."))
    return _back(case)


@bp.post("/cases/<reference>/tasks")
@require("task.write")
def add_task(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    form = {k: request.form.get(k, "") for k in ("phase", "title", "due_at", "owner_role")}
    try:
        data = read_form(TaskIn, request.form, fields=form)
        service.add_task(session, case, phase_key=data.phase, title=data.title, due_at=data.due_at,
                         owner_role=data.owner_role, actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _render(case, policy, errors=page_errors(exc, prefix="task."), form=form, status=422)
    except Conflict as exc:
        session.rollback()
        return _render(case, policy, errors={"task.guard": exc.blockers if isinstance(exc, Blocked) else [exc.message]},
                       form=form, status=status_of(exc))
    flash(_("Task added."), "phases")
    return _back(case)


@bp.post("/cases/<reference>/tasks/<int:task_id>/done")
@require("task.write")
def task_done(reference: str, task_id: int):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    try:
        service.complete_task(session, case, task_id, actor=current_principal())
    except Conflict as exc:
        session.rollback()
        return _render(case, policy, errors={"task.guard": exc.blockers if isinstance(exc, Blocked) else [exc.message]},
                       status=status_of(exc))
    flash(_("Task done."), "phases")
    return _back(case)


@bp.app_context_processor
def _dashboard_helpers():
    def overdue_tasks(limit: int = 20):
        """For phases/_overdue_tasks.html on the staff dashboards (the admin's too: every case)."""
        user = current_principal()
        if user is None or not user.role.is_staff:
            return []
        return service.overdue_tasks(get_session(), limit=limit)

    from flask import current_app

    return {"overdue_tasks": overdue_tasks, "phase_title": rules.title, "url_endpoints": current_app.view_functions}
