"""Pages: a case's timeline (filter, CSV, notes) and the response-time metrics page."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from sqlmodel import select

from hotline.auth.permissions import can, current_principal, require
from hotline.cases.models import Case
from hotline.cases.service import get_visible_case
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.forms import page_errors, read_form
from hotline.timeline import service
from hotline.timeline.api import csv_response
from hotline.timeline.chart import bar_chart
from hotline.timeline.schemas import NoteIn
from hotline.validation import clean_search
from workflows.metrics import METRIC_KEYS, summarise
from workflows.phases import title

bp = Blueprint("timeline", __name__)

KIND_LABELS = {
    "case_opened": _l("Case opened"), "fact_changed": _l("Fact changed"), "deadline_changed": _l("Deadline changed"),
    "deadline_met": _l("Deadline met"), "deadline_missed": _l("Deadline missed"), "reminder_sent": _l("Reminder sent"),
    "note_added": _l("Note"), "call_logged": _l("Call"), "cost_recorded": _l("Cost recorded"),
    "cost_changed": _l("Cost changed"), "cost_removed": _l("Cost removed"), "consent_recorded": _l("Consent recorded"),
    "phase_started": _l("Phase started"), "phase_completed": _l("Phase completed"),
    "phase_skipped": _l("Phase skipped"), "task_added": _l("Task added"), "task_done": _l("Task done"),
    "vendor_dispatched": _l("Vendor dispatched"), "vendor_notified": _l("Vendor notified"),
    "vendor_accepted": _l("Vendor accepted"), "vendor_declined": _l("Vendor declined"),
    "dispatch_escalated": _l("Dispatch escalated"), "dispatch_expired": _l("Dispatch expired"),
    "warnings_overridden": _l("Warnings overridden"), "case_closed": _l("Case closed"),
    # issue 6: an answer on a link whose step had passed on; the engaged vendor's work finished
    "vendor_late_answer": _l("Late answer from a vendor"), "dispatch_released": _l("Vendor released"),
}


def _kinds() -> list[str]:
    return [k for k in (clean_search(k, 40) for k in request.args.getlist("kind")[:50]) if k]


@bp.get("/cases/<reference>/timeline")
@require("timeline.read")
def page(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    kinds = _kinds()
    return render_template("timeline/page.html", case=case, policy=policy, kinds=kinds,
                           events=service.case_timeline(session, case.id, kinds=kinds or None),
                           present=service.kinds_present(session, case.id), kind_labels=KIND_LABELS,
                           can_note=can(current_principal(), "case.update"), form={}, errors={})


@bp.get("/cases/<reference>/timeline.csv")
@require("timeline.read")
def csv(reference: str):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    return csv_response(case, service.case_timeline(session, case.id, kinds=_kinds() or None))


@bp.post("/cases/<reference>/notes")
@require("case.update")
def add_note(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    form = {"kind": request.form.get("kind", "note"), "text": request.form.get("text", "")}
    try:
        data = read_form(NoteIn, request.form, fields=("kind", "text"))
        service.add_note(session, case, kind=data.kind, text=data.text, actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        errors = page_errors(exc)
        if not form["text"].strip():
            errors["text"] = _("Write the note first.")
        return render_template("timeline/page.html", case=case, policy=policy, kinds=[],
                               events=service.case_timeline(session, case.id),
                               present=service.kinds_present(session, case.id), kind_labels=KIND_LABELS,
                               can_note=True, form=form, errors=errors), 422
    flash(_("Added to the timeline."))
    return redirect(url_for("timeline.page", reference=case.reference))


def metric_label(key: str, lang: str) -> str:
    if key == "hotline_call":
        return _("Hotline call")
    if key == "containment":
        return _("Containment")
    return _("Start: %(phase)s", phase=title(key.split(":", 1)[1], lang))


@bp.get("/metrics")
@require("metrics.read")
def metrics():
    from flask_babel import get_locale

    lang = "ja" if str(get_locale()) == "ja" else "en"
    session = get_session()
    cases = list(session.exec(select(Case).order_by(Case.id.desc()).limit(500)))
    per_case = service.metrics_for_cases(session, cases)
    summary = summarise(per_case.values())
    labels = {k: metric_label(k, lang) for k in METRIC_KEYS}
    chart = bar_chart([(labels[k], summary[k]["median"], summary[k]["p90"]) for k in METRIC_KEYS],
                      unit=_("h"), title=_("Hours from discovery"), median_label=_("median"),
                      p90_label=_("90th percentile"))
    return render_template("timeline/metrics.html", cases=cases, per_case=per_case, summary=summary,
                           labels=labels, keys=METRIC_KEYS, chart=chart, hours=_hours)


def _hours(td: dt.timedelta | None) -> str:
    return "" if td is None else f"{td.total_seconds() / 3600:.1f}"



def case_section(*, session, case, policy, user) -> dict:
    """For the case page's section registry: the latest events and a link to the whole timeline."""
    events = service.case_timeline(session, case.id)
    return {"template": "timeline/_section.html",
            "context": {"events": events[-10:], "total": len(events), "kind_labels": KIND_LABELS}}
