"""Twilio voice webhooks of a dispatch call: read the brief in Japanese, 1 accepts, 2 declines.

Exempt from CSRF by path (/twilio/); every request must carry a valid X-Twilio-Signature instead.
The signed token in the path names the step, exactly like the SMS link.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from hotline.cases.models import Case
from hotline.dispatch import links, messages, service
from hotline.dispatch.models import Dispatch, DispatchAttempt
from hotline.dispatch.settings import from_config
from hotline.errors import Forbidden
from hotline.extensions import get_session, notifier
from vendors.notifier.twilio import gather_twiml, say_twiml, twilio_signature_valid

bp = Blueprint("dispatch_twilio", __name__, url_prefix="/twilio/dispatch")

PROMPT = "お引き受けいただける場合は1を、お断りの場合は2を押してください。"
OUTCOME_TEXT = {
    "accepted": "ご受諾ありがとうございます。担当コーディネーターからご連絡します。",
    "declined": "承知しました。次の業者に依頼します。",
    "already_used": "このご依頼には既にご回答いただいています。",
    "superseded": "このご依頼は他の業者に引き継がれたか終了しました。コーディネーターにご連絡ください。",
}


def _check_signature() -> None:
    settings = from_config(current_app.config)
    public = settings.base_url + request.full_path.rstrip("?")
    if not twilio_signature_valid(current_app.config.get("TWILIO_AUTH_TOKEN"), [public, request.url],
                                  request.form.to_dict(), request.headers.get("X-Twilio-Signature", "")):
        raise Forbidden("Invalid Twilio signature.", code="bad_signature")


def _twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")


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
    return _twiml(gather_twiml(script, prompt=PROMPT, action=f"{base}/twilio/dispatch/{token}/answer",
                               no_input="入力が確認できませんでした。", redirect=f"{base}/twilio/dispatch/{token}/voice"))


@bp.post("/<token>/voice")
def voice(token: str):
    _check_signature()
    attempt = _attempt(token)
    if attempt is None:
        return _twiml(say_twiml("このご依頼の有効期限が切れています。コーディネーターにご連絡ください。"))
    session = get_session()
    dispatch = session.get(Dispatch, attempt.dispatch_id)
    case = session.get(Case, dispatch.case_id)
    return _menu(token, messages.voice_script(case.reference, dispatch))


@bp.post("/<token>/answer")
def answer(token: str):
    _check_signature()
    attempt = _attempt(token)
    if attempt is None:
        return _twiml(say_twiml("このご依頼の有効期限が切れています。コーディネーターにご連絡ください。"))
    digit = request.form.get("Digits", "")
    if digit not in ("1", "2"):
        return _menu(token)
    outcome = service.respond(get_session(), attempt_id=attempt.id, answer="accept" if digit == "1" else "decline",
                              via="voice", notifier=notifier(),
                              settings=from_config(current_app.config))
    return _twiml(say_twiml(OUTCOME_TEXT[outcome]))
