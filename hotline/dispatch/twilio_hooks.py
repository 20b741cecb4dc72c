"""Twilio voice webhooks of a dispatch call: read the brief in Japanese, 1 accepts, 2 declines.

Exempt from CSRF by path (/twilio/); every request must carry a valid X-Twilio-Signature instead.
The signed token in the path names the step, exactly like the SMS link.
"""
from __future__ import annotations

from flask import Blueprint, current_app, request

from hotline.cases.models import Case
from hotline.dispatch import links, messages, service
from hotline.dispatch.models import Dispatch, DispatchAttempt
from hotline.dispatch.settings import from_config
from hotline.extensions import get_session, notifier
from hotline.i18n import gettext_in
from hotline.twilio_webhooks import check_signature as _check_signature
from hotline.twilio_webhooks import twiml as _twiml
from vendors.notifier.twilio import gather_twiml, say_twiml
from workflows.text import N_

bp = Blueprint("dispatch_twilio", __name__, url_prefix="/twilio/dispatch")

VOICE_LANG = "ja"  # the call speaks Japanese (vendors/notifier/twilio.py reads it with a Japanese voice)
PROMPT = N_("To accept, press 1. To decline, press 2.")
NO_INPUT = N_("We could not hear your answer.")
EXPIRED = N_("This request has expired. Please call the coordinator.")


def _say(msgid: str) -> str:
    return gettext_in(VOICE_LANG, msgid)


def _attempt(token: str):
    settings = from_config(current_app.config)
    try:
        attempt_id = links.read_token(settings.secret_key, token, max_age=settings.link_max_age)
    except links.LinkError:
        return None
    return get_session().get(DispatchAttempt, attempt_id)


def _menu(token: str, script: str = ""):
    """Read the script (if any), then ask for 1 or 2; the answer goes to /answer, silence starts over."""
    base = from_config(current_app.config).base_url
    return _twiml(gather_twiml(script, prompt=_say(PROMPT), action=f"{base}/twilio/dispatch/{token}/answer",
                               no_input=_say(NO_INPUT), redirect=f"{base}/twilio/dispatch/{token}/voice"))


@bp.post("/<token>/voice")
def voice(token: str):
    _check_signature()
    attempt = _attempt(token)
    if attempt is None:
        return _twiml(say_twiml(_say(EXPIRED)))
    session = get_session()
    dispatch = session.get(Dispatch, attempt.dispatch_id)
    case = session.get(Case, dispatch.case_id)
    return _menu(token, messages.voice_script(case.reference, dispatch))


@bp.post("/<token>/answer")
def answer(token: str):
    _check_signature()
    attempt = _attempt(token)
    if attempt is None:
        return _twiml(say_twiml(_say(EXPIRED)))
    digit = request.form.get("Digits", "")
    if digit not in ("1", "2"):
        return _menu(token)
    outcome = service.respond(get_session(), attempt_id=attempt.id, answer="accept" if digit == "1" else "decline",
                              via="voice", notifier=notifier(),
                              settings=from_config(current_app.config))
    return _twiml(say_twiml(_say(messages.OUTCOME_TEXT[outcome])))
