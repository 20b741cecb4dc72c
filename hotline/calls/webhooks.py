"""Twilio's voice webhooks of the hotline's own number: a call comes in, the caller presses keys, a leg to a person
on duty ends. Paths as configured in the Twilio console: POST /twilio/voice, /twilio/voice/menu,
/twilio/voice/dial-result.

Every request must carry X-Twilio-Signature for PUBLIC_BASE_URL + path (or the URL this app sees, behind
TRUST_PROXY): 403 otherwise. CSRF does not apply (hotline/extensions.py exempts /twilio/). Every answer is TwiML;
fields that cannot be read never give an error to a caller in trouble: a short apology, then the people on duty.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hotline.calls import service
from hotline.calls.models import Call
from hotline.calls.settings import from_config
from hotline.cases.models import Case
from hotline.db import utcnow
from hotline.deadlines.service import deadlines_of
from hotline.extensions import get_session
from hotline.i18n import deadline_view, render
from hotline.twilio_webhooks import check_signature, twiml
from hotline.validation import text
from vendors.notifier.twilio import dial_twiml, hangup_twiml, menu_twiml
from workflows.deadlines import LABELS
from workflows.phases import title
from workflows.text import N_, Text

bp = Blueprint("calls_twilio", __name__)

GREETING = N_("Thank you for calling the cyber incident hotline.")
MENU = N_("To report a new incident, press 1. About an existing case, press 2. To speak to an operator, press 0.")
FOR_ENGLISH = ("For English, press 9.", "en")  # said in English on the Japanese menu, whatever the catalogue says
NOT_A_CHOICE = N_("Sorry, that is not one of the choices.")
ASK_REFERENCE = N_("Key in the digits of your case reference, then press the hash key. For CY 2026 000123, "
                   "key in 2026000123.")
CONNECTING = N_("Connecting you to the operator on duty. Please hold.")
HOLD_ON = N_("Please hold a little longer.")
APOLOGY = N_("We are sorry, we could not process your call. Connecting you to the operator.")
NO_DETAILS = N_("We cannot give case details on this line. Connecting you to the operator.")
CASE_STATUS = N_("Case %(reference)s. Current phase: %(phase)s.")
NEXT_DEADLINE = N_("Next deadline: %(deadline)s, %(when)s.")
NO_DEADLINE = N_("No deadline is open.")
AFTER_STATUS = N_("To speak to an operator, press 0. Otherwise, you may hang up.")
CALL_BACK = N_("All our operators are busy. We will call you back at this number within %(minutes)s minutes.")
CALL_AGAIN = N_("All our operators are busy, and your number is withheld. Please call again in a few minutes.")
GOODBYE = N_("Thank you for calling. Goodbye.")


class CallIn(BaseModel):
    """The fields of Twilio's voice requests that we read (Twilio sends many more)."""
    model_config = ConfigDict(extra="ignore")
    CallSid: str = Field(pattern=r"^CA[0-9a-fA-F]{32}$")
    From: text(64) = ""
    To: text(64) = ""
    Digits: str = Field(default="", pattern=r"^[0-9*#]{0,20}$")
    CallStatus: str = Field(default="", pattern=r"^[a-z-]{0,20}$")
    DialCallStatus: str = Field(default="", pattern=r"^[a-z-]{0,20}$")
    DialCallDuration: int = Field(default=0, ge=0, le=10**6)


def _said(lang: str, *texts: Text | str) -> list[tuple[str, str]]:
    return [(render(t if isinstance(t, Text) else Text(t), lang), lang) for t in texts]


class Line:
    """One webhook request: its checked signature, its fields (None when they cannot be read), its call row."""

    def __init__(self):
        self.settings = from_config(current_app.config)
        check_signature()
        self.session, self.now = get_session(), utcnow()
        try:
            self.data: CallIn | None = CallIn.model_validate(request.form.to_dict())
        except ValidationError:
            self.data = None
        self.call: Call | None = service.call_by_sid(self.session, self.data.CallSid) if self.data else None

    def url(self, path: str) -> str:
        return self.settings.base_url + path

    def lang(self) -> str:
        return self.call.language if self.call else "ja"

    def menu(self, *first: Text | str) -> Response:
        lang = self.lang()
        said = _said(lang, *first, MENU) + ([FOR_ENGLISH] if lang == "ja" else [])
        # Silence is a call for help: without a key the caller goes to the operator.
        return twiml(menu_twiml(said, action=self.url("/twilio/voice/menu"),
                                redirect=self.url("/twilio/voice/menu?stage=operator")))

    def ring(self, user, *first: Text | str) -> Response:
        """Ring the person on duty at the call's roster step."""
        step = self.call.roster_step
        return twiml(dial_twiml(_said(self.lang(), *first), [user.phone],
                                action=self.url(f"/twilio/voice/dial-result?step={step}"),
                                timeout=self.settings.ring_seconds))

    def connect(self, choice: str, *first: Text | str) -> Response:
        user = service.connect(self.session, self.call, choice=choice, now=self.now)
        return self.ring(user, *first, CONNECTING) if user is not None else self.missed()

    def missed(self) -> Response:
        minutes = int(self.settings.callback_alert.total_seconds() // 60)
        said = Text(CALL_BACK, minutes=minutes) if self.call and self.call.from_e164 else Text(CALL_AGAIN)
        return twiml(hangup_twiml(_said(self.lang(), said)))

    def apology(self) -> Response:
        """Fields we cannot read, or a call we have no row of: every person on duty is rung at once."""
        people = [u.phone for u in service.on_duty(self.session, self.now)]
        if not people:
            return twiml(hangup_twiml(_said(self.lang(), CALL_AGAIN)))
        return twiml(dial_twiml(_said(self.lang(), APOLOGY), people, action=None, timeout=self.settings.ring_seconds))


@bp.post("/twilio/voice")
def voice():
    line = Line()
    if line.data is None:
        return line.apology()
    line.call = service.ring(line.session, sid=line.data.CallSid, from_number=line.data.From, to_number=line.data.To,
                             now=line.now)
    return line.menu(GREETING)


@bp.post("/twilio/voice/menu")
def menu():
    line = Line()
    if line.data is None or line.call is None:
        return line.apology()
    stage, digits = request.args.get("stage", "main"), line.data.Digits
    if stage == "goodbye":
        return twiml(hangup_twiml(_said(line.lang(), GOODBYE)))
    if stage == "reference":
        return _case_status(line, digits.strip("#*"))
    if stage == "operator" or digits == "0":
        return line.connect("operator")
    if digits == "9":
        service.set_language(line.session, line.call, "en")
        return line.menu(GREETING)
    if digits == "1":
        return line.connect("new")
    if digits == "2":
        return twiml(menu_twiml(_said(line.lang(), ASK_REFERENCE), action=line.url("/twilio/voice/menu?stage=reference"),
                                redirect=line.url("/twilio/voice/menu?stage=operator"), num_digits=12,
                                finish_on_key="#", timeout=15))
    return line.menu(NOT_A_CHOICE)


def reference_from_digits(digits: str, now: dt.datetime) -> str | None:
    """'2026000123' → CY-2026-000123; up to six digits are a number of this year (JST)."""
    from workflows.calendar import TOKYO

    if len(digits) == 10 and digits.isdigit():
        return f"CY-{digits[:4]}-{digits[4:]}"
    if 1 <= len(digits) <= 6 and digits.isdigit():
        return f"CY-{now.astimezone(TOKYO).year}-{int(digits):06d}"
    return None


def _case_status(line: Line, digits: str) -> Response:
    reference = reference_from_digits(digits, line.now)
    case = service.verified_case(line.session, line.call, reference, now=line.now) if reference else None
    if case is None:  # unknown, or another company's: the caller learns nothing either way
        return line.connect("existing", NO_DETAILS)
    lang = line.lang()
    said = [Text(CASE_STATUS, reference=" ".join(case.reference.split("-")), phase=title(case.phase)),
            _next_deadline(line, case, lang), AFTER_STATUS]
    return twiml(menu_twiml(_said(lang, *said), action=line.url("/twilio/voice/menu"),
                            redirect=line.url("/twilio/voice/menu?stage=goodbye")))


def _next_deadline(line: Line, case: Case, lang: str) -> Text:
    unmet = [d for d in deadlines_of(line.session, case.id)
             if d.status in ("open", "missed") and d.met_at is None and d.due_at is not None]
    if not unmet:
        return Text(NO_DEADLINE)
    nearest = min(unmet, key=lambda d: d.due_at)
    return Text(NEXT_DEADLINE, deadline=Text(LABELS.get(nearest.kind, nearest.kind)),
                when=deadline_view(nearest, lang, line.now).when)


@bp.post("/twilio/voice/dial-result")
def dial_result():
    line = Line()
    if line.data is None or line.call is None:
        return line.apology()
    try:
        step = int(request.args.get("step", ""))
    except ValueError:
        return line.apology()
    status = line.data.DialCallStatus
    outcome, user = service.dial_result(
        line.session, line.call, step=step, answered=status == "completed", duration=line.data.DialCallDuration,
        caller_gone=status == "canceled" or line.data.CallStatus in ("completed", "canceled"), now=line.now)
    if outcome == "next":
        return line.ring(user, HOLD_ON)
    if outcome == "missed":
        return line.missed()
    return twiml(hangup_twiml([]))  # answered and over, or a repeated request
