"""POST /twilio/sms: a text to the hotline's number. Signature-checked (hotline/twilio_webhooks.py), exempt from
CSRF by path, answered with TwiML <Response><Message>. Malformed fields are read as an unknown sender or an
empty text: the answer is then the help text, never an error."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from hotline.db import utcnow
from hotline.dispatch.settings import from_config
from hotline.extensions import get_session, notifier
from hotline.texts import service
from hotline.twilio_webhooks import check_signature, twiml
from vendors.notifier.twilio import message_twiml

bp = Blueprint("texts_twilio", __name__, url_prefix="/twilio")


@bp.post("/sms")
def incoming_text():
    check_signature()
    reply = service.answer_text(get_session(), sender=service.sender_number(request.form.get("From")),
                                body=service.clean_body(request.form.get("Body")), notifier=notifier(),
                                settings=from_config(current_app.config), now=utcnow())
    return twiml(message_twiml(reply.body))
