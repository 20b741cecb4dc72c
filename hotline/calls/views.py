"""Pages of the phone line: the operators' live panel (on every staff page), the caller log, the duty roster
(admins) and the phone simulator (admins; it posts signed requests to the voice and text webhooks, so everything
works without a Twilio account)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import select

from hotline.auth.models import Role, User
from hotline.auth.permissions import can, current_principal, require
from hotline.calls import service, simulator
from hotline.calls.events import STATUS_WORDS, duration
from hotline.calls.models import Call, RosterEntry
from hotline.calls.schemas import CallListQuery, RosterEntryIn, SimulatedCallIn, SimulatedLegIn
from hotline.calls.settings import from_config
from hotline.cases.service import get_visible_case
from hotline.db import utcnow
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.forms import page_errors, read_form
from hotline.orgs.models import Organization
from hotline.texts.schemas import SimulatedText
from hotline.texts.service import examples as text_examples
from hotline.texts.simulator import simulate_text_result
from workflows.text import N_

bp = Blueprint("calls", __name__)

WEEKDAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
FILTER_STATUSES = {"open": N_("ringing now"), "to_call_back": N_("to call back"), **STATUS_WORDS}


@bp.app_context_processor
def _panel():
    def call_panel_url():
        user = current_principal()
        return url_for("calls.panel") if user is not None and can(user, "call.update") else None

    return {"call_panel_url": call_panel_url}


def _call(call_id: int) -> Call:
    return service.get_call(get_session(), call_id)


# --- The operators' panel and the caller log ----------------------------------------------------------------
@bp.get("/calls/panel")
@require("call.read")
def panel():
    """The live panel's content, fetched every few seconds by static/calls.js."""
    session, now = get_session(), utcnow()
    calls = service.live_calls(session, now=now)
    return render_template("calls/_panel.html", calls=calls, rel=service.related(session, calls), now=now,
                           statuses=STATUS_WORDS, duration=duration,
                           overdue_after=from_config(current_app.config).callback_alert)


@bp.get("/calls")
@require("call.read")
def log():
    session = get_session()
    form = {**request.args.to_dict(), "from_": request.args.get("from", "")}
    errors: dict = {}
    try:
        query = read_form(CallListQuery, form, fields=["from_", "case", "status", "since"])
    except ValidationError as exc:
        errors, query = page_errors(exc), CallListQuery()
    from hotline.calls.api import filtered

    calls = filtered(session, query) if not errors else []
    return render_template("calls/log.html", calls=calls, rel=service.related(session, calls), form=request.args,
                           errors=errors, statuses=FILTER_STATUSES, status_words=STATUS_WORDS,
                           duration=duration), (422 if errors else 200)


@bp.post("/calls/<int:call_id>/called-back")
@require("call.update")
def called_back(call_id: int):
    session = get_session()
    try:
        service.mark_called_back(session, _call(call_id), actor=current_principal(), now=utcnow())
        flash(_("Marked as called back."))
    except Invalid as exc:
        session.rollback()
        flash(" ".join(page_errors(exc).values()), "error")
    return redirect(url_for("calls.log"))


@bp.post("/calls/<int:call_id>/case")
@require("call.update")
def open_case(call_id: int):
    """'Open this case' on the panel: the call goes on that case's timeline, then the case page opens."""
    session = get_session()
    call = _call(call_id)
    reference = request.form.get("reference", "")
    case, _policy = get_visible_case(session, current_principal(), reference)
    try:
        service.attach_to_case(session, call, case, actor=current_principal(), now=utcnow())
    except Invalid as exc:
        session.rollback()
        flash(" ".join(page_errors(exc).values()), "error")
    return redirect(url_for("cases.show", reference=case.reference))


# --- The roster (admins) ---------------------------------------------------------------------------------
def _roster_page(errors=None, form=None, status=200):
    session, now = get_session(), utcnow()
    people = list(session.exec(select(User).where(User.role.in_((Role.operator, Role.coordinator)),
                                                  User.is_active.is_(True)).order_by(User.display_name, User.id)))
    settings = from_config(current_app.config)
    return render_template("calls/roster.html", entries=service.roster_entries(session), people=people,
                           on_duty=service.on_duty(session, now),
                           gaps=service.roster_gaps(session, now=now, ahead=settings.roster_lookahead),
                           weekday_names=WEEKDAY_NAMES, errors=errors or {}, form=form or {}), status


@bp.get("/admin/roster")
@require("roster.manage")
def roster():
    return _roster_page()


@bp.post("/admin/roster")
@require("roster.manage")
def add_roster_entry():
    session = get_session()
    try:
        data = read_form(RosterEntryIn, request.form, lists=["weekdays"])
        service.add_roster_entry(session, **data.model_dump(), actor=current_principal())
    except (ValidationError, Invalid) as exc:
        session.rollback()
        return _roster_page(page_errors(exc), request.form, 422)
    flash(_("Added to the roster."))
    return redirect(url_for("calls.roster"))


@bp.post("/admin/roster/<int:entry_id>/remove")
@require("roster.manage")
def remove_roster_entry(entry_id: int):
    service.remove_roster_entry(get_session(), entry_id)
    flash(_("Removed from the roster."))
    return redirect(url_for("calls.roster"))


# --- The simulator (admins) ------------------------------------------------------------------------------
def _simulator_page(errors=None, form=None, transcript=None, status=200, *, text_form=None, text_errors=None,
                    text_result=None):
    """One page for the whole phone line: a call (rung, then its legs) and a text (texts/_simulate_text.html)."""
    session = get_session()
    calls = service.list_calls(session, limit=10)
    known = session.exec(select(Organization).where(Organization.phone.is_not(None)).order_by(Organization.name))
    return render_template("calls/simulator.html", calls=calls, errors=errors or {}, form=form or {}, known=list(known),
                           transcript=transcript, statuses=STATUS_WORDS, text_form=text_form or {},
                           text_errors=text_errors or {}, text_result=text_result,
                           text_examples=text_examples(session)), status


@bp.get("/admin/phone")
@require("call.simulate")
def simulator_page():
    return _simulator_page()


@bp.post("/admin/phone/ring")
@require("call.simulate")
def simulate_ring():
    try:
        data = read_form(SimulatedCallIn, request.form)
    except ValidationError as exc:
        return _simulator_page(page_errors(exc), request.form, status=422)
    get_session().rollback()  # this request holds no transaction while the webhooks write
    transcript = simulator.ring(current_app._get_current_object(), data)
    return _simulator_page(form=request.form, transcript=transcript)


@bp.post("/admin/phone/<int:call_id>/leg")
@require("call.simulate")
def simulate_leg(call_id: int):
    call = _call(call_id)
    if call.status != "connecting":
        return _simulator_page(transcript=[_("This call is not ringing anyone now.")])
    try:
        data = read_form(SimulatedLegIn, request.form)
    except ValidationError as exc:
        return _simulator_page(page_errors(exc), request.form, status=422)
    get_session().rollback()
    transcript = simulator.leg_ended(current_app._get_current_object(), call, data)
    return _simulator_page(transcript=transcript)


@bp.post("/admin/phone/text")
@require("call.simulate")
def simulate_text():
    text_form = {k: request.form.get(k, "") for k in ("from_number", "body")}
    try:
        data = read_form(SimulatedText, request.form)
    except ValidationError as exc:
        return _simulator_page(text_form=text_form, text_errors=page_errors(exc), status=422)
    get_session().rollback()  # as for a call: no transaction held while the webhook writes
    result = simulate_text_result(data.from_number, data.body)
    return _simulator_page(text_form={"from_number": data.from_number, "body": data.body}, text_result=result)


@bp.app_template_filter("roster_days")
def roster_days(entry: RosterEntry) -> str:
    return " ".join(_(WEEKDAY_NAMES[int(d)]) for d in entry.weekdays)
