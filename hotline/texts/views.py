"""The admin's simulator of an incoming text: it posts a request signed exactly as Twilio signs it to
POST /twilio/sms, inside this process, and shows the TwiML answer. It works without Twilio credentials (the
webhooks then check the simulator's signature, hotline/twilio_webhooks.py) and with them.

The page is `texts/simulate.html` around the partial `texts/_simulate_text.html`; `simulate_text_result` does the
posting, so another simulator page (incoming calls) can include the partial and call it."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import Blueprint, current_app, render_template, request
from pydantic import ValidationError

from hotline.auth.permissions import require
from hotline.extensions import get_session
from hotline.forms import page_errors, read_form
from hotline.texts.schemas import SimulatedText
from hotline.texts.service import examples
from hotline.twilio_webhooks import auth_token, public_url
from vendors.notifier.twilio import twilio_signature

bp = Blueprint("texts", __name__, url_prefix="/admin/simulator")
HOTLINE_NUMBER = "+815000000000"  # the "To" of a simulated text when Twilio has no number configured


def simulate_text_result(sender: str, body: str) -> dict:
    """Post the text to /twilio/sms as Twilio would; (status, reply) of its answer."""
    path = "/twilio/sms"
    form = {"MessageSid": "SMsimulated", "AccountSid": current_app.config.get("TWILIO_ACCOUNT_SID") or "ACsimulated",
            "From": sender, "To": current_app.config.get("TWILIO_FROM_NUMBER") or HOTLINE_NUMBER, "Body": body,
            "NumMedia": "0"}
    signature = twilio_signature(auth_token(current_app.config), public_url(path), form)
    with current_app.app_context():  # its own request context and session, like a request from Twilio
        response = current_app.test_client().post(path, data=form, headers={"X-Twilio-Signature": signature})
    replies = []
    if response.status_code == 200:
        replies = [m.text or "" for m in ET.fromstring(response.get_data()).iter("Message")]
    return {"status": response.status_code, "replies": replies}


@bp.get("/text")
@require("telephony.simulate")
def simulate_text_page():
    return render_template("texts/simulate.html", text_form={}, text_errors={}, text_result=None,
                           text_examples=examples(get_session()))


@bp.post("/text")
@require("telephony.simulate")
def simulate_text():
    try:
        data = read_form(SimulatedText, request.form)
    except ValidationError as exc:
        form = {k: request.form.get(k, "") for k in ("from_number", "body")}
        return render_template("texts/simulate.html", text_form=form, text_errors=page_errors(exc),
                               text_result=None, text_examples=examples(get_session())), 422
    result = simulate_text_result(data.from_number, data.body)
    return render_template("texts/simulate.html", text_form={"from_number": data.from_number, "body": data.body},
                           text_errors={}, text_result=result, text_examples=examples(get_session()))
