"""Pages: a case's timeline (filter, CSV, notes) and the response-time metrics page."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import select

from hotline.auth.permissions import can, current_principal, require
from hotline.cases.models import Case
from hotline.cases.service import get_visible_case
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.forms import page_errors, read_form
from hotline.i18n import page_lang, render
from hotline.timeline import service
from hotline.timeline.api import csv_response
from hotline.timeline.chart import bar_chart
from hotline.timeline.render import kind_label, views
from hotline.timeline.schemas import NoteIn
from hotline.validation import clean_search
from workflows.metrics import METRIC_KEYS, summarise
from workflows.phases import title

bp = Blueprint("timeline", __name__)


def _kinds() -> list[str]:
    return [k for k in (clean_search(k, 40) for k in request.args.getlist("kind")[:50]) if k]


def event_rows(session, events) -> list:
    """The events as the current reader reads them (hotline/timeline/render.py)."""
    return views(session, events, reader=current_principal(), lang=page_lang())


def _page(session, case, policy, *, kinds, form, errors, status=200):
    present = service.kinds_present(session, case.id, reader=current_principal())
    return render_template("timeline/page.html", case=case, policy=policy, kinds=kinds,
                           events=event_rows(session, service.case_timeline(session, case.id, kinds=kinds or None,
                                                                           reader=current_principal())),
                           present=[(k, render(kind_label(k), page_lang())) for k in present],
                           can_note=can(current_principal(), "case.update"), form=form, errors=errors), status


@bp.get("/cases/<reference>/timeline")
@require("timeline.read")
def page(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    return _page(session, case, policy, kinds=_kinds(), form={}, errors={})


@bp.get("/cases/<reference>/timeline.csv")
@require("timeline.read")
def csv(reference: str):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    return csv_response(case, service.case_timeline(session, case.id, kinds=_kinds() or None,
                                                    reader=current_principal()), lang=page_lang())


@bp.post("/cases/<reference>/notes")
@require("case.update")
def add_note(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    form = {"kind": request.form.get("kind", "note"), "text": request.form.get("text", ""),
            "internal": request.form.get("internal", "")}
    try:
        data = read_form(NoteIn, request.form, fields=("kind", "text", "internal"), checkboxes=("internal",))
        service.add_note(session, case, kind=data.kind, text=data.text, actor=current_principal(),
                         internal=data.internal)
    except (ValidationError, Invalid) as exc:
        session.rollback()
        errors = page_errors(exc)
        if not form["text"].strip():
            errors["text"] = _("Write the note first.")
        return _page(session, case, policy, kinds=[], form=form, errors=errors, status=422)
    flash(_("Added to the timeline."))
    return redirect(url_for("timeline.page", reference=case.reference))


def metric_label(key: str) -> str:
    if key == "hotline_call":
        return _("Hotline call")
    if key == "containment":
        return _("Containment")
    return _("Start: %(phase)s", phase=render(title(key.split(":", 1)[1]), page_lang()))


@bp.get("/metrics")
@require("metrics.read")
def metrics():
    session = get_session()
    cases = list(session.exec(select(Case).order_by(Case.id.desc()).limit(500)))
    per_case = service.metrics_for_cases(session, cases)
    summary = summarise(per_case.values())
    labels = {k: metric_label(k) for k in METRIC_KEYS}
    chart = bar_chart([(labels[k], summary[k]["median"], summary[k]["p90"]) for k in METRIC_KEYS],
                      unit=_("h"), title=_("Hours from discovery"), median_label=_("median"),
                      p90_label=_("90th percentile"))
    return render_template("timeline/metrics.html", cases=cases, per_case=per_case, summary=summary,
                           labels=labels, keys=METRIC_KEYS, chart=chart, hours=_hours)


def _hours(td: dt.timedelta | None) -> str:
    return "" if td is None else f"{td.total_seconds() / 3600:.1f}"


LATEST_ON_CASE_PAGE = 5  # the case page must fit on a screen (issue 11); the timeline page has them all


def case_section(*, session, case, policy, user) -> dict:
    """For the case page's section registry: the latest events and a link to the whole timeline."""
    events = service.case_timeline(session, case.id, reader=user)
    return {"template": "timeline/_section.html",
            "context": {"events": event_rows(session, events[-LATEST_ON_CASE_PAGE:]), "total": len(events)}}
