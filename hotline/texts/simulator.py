"""The simulator of an incoming text (on the admin's phone simulator page, /admin/phone): it posts a request signed
exactly as Twilio signs it to POST /twilio/sms, inside this process, and returns the TwiML answer. It works without
Twilio credentials (the webhooks then check the simulator's signature, hotline/twilio_webhooks.py) and with them."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import current_app

from hotline.calls.simulator import HOTLINE_NUMBER  # the number a simulated text goes to without Twilio's
from hotline.twilio_webhooks import auth_token, public_url
from vendors.notifier.twilio import twilio_signature


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
