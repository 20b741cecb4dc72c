"""The call simulator: what Twilio would post for an incoming call, posted to our own webhooks with a correct
X-Twilio-Signature (hotline/twilio_webhooks.py `auth_token`: Twilio's, or without Twilio the simulator's), through the whole app.

Each request runs in a thread of its own, so it gets its own app context and database session, exactly like a
request from Twilio; the admin's request waits for it. Returns what the caller would have heard, step by step.
"""
from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ET

from flask import Flask

from hotline.calls.models import Call
from hotline.calls.schemas import SimulatedCallIn, SimulatedLegIn
from hotline.calls.settings import from_config
from hotline.twilio_webhooks import auth_token
from vendors.notifier.twilio import twilio_signature

HOTLINE_NUMBER = "+81300001000"  # the number the simulated caller dials (fictitious: no Tokyo number starts 0)


def _post(app: Flask, path: str, form: dict) -> list[str]:
    settings = from_config(app.config)
    signature = twilio_signature(auth_token(app.config), settings.base_url + path, form)
    answer: dict = {}

    def run():
        response = app.test_client().post(path, data=form, base_url=settings.base_url,
                                          headers={"X-Twilio-Signature": signature})
        answer["status"], answer["body"] = response.status_code, response.get_data(as_text=True)

    thread = threading.Thread(target=run, name="call-simulator")
    thread.start()
    thread.join(timeout=60)
    return [f"POST {path} → {answer.get('status', '—')}", *_heard(answer.get("body", ""))]


def _heard(twiml: str) -> list[str]:
    """The TwiML as lines a person reads: what is said, what is dialled, what is gathered."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return [twiml[:500]]
    lines = []
    for node in root.iter():
        if node.tag == "Say":
            lines.append(f"  🔊 {node.text or ''}")
        elif node.tag == "Number":
            lines.append(f"  📞 {node.text or ''}")
        elif node.tag == "Gather":
            lines.append(f"  ⌨ {node.get('numDigits')} → {node.get('action')}")
        elif node.tag in ("Hangup", "Redirect"):
            lines.append(f"  {node.tag} {node.text or ''}".rstrip())
    return lines


def _form(sid: str, number: str, **more) -> dict:
    return {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": sid, "Direction": "inbound",
            "From": number, "Caller": number, "To": HOTLINE_NUMBER, "Called": HOTLINE_NUMBER, **more}


def ring(app: Flask, data: SimulatedCallIn) -> list[str]:
    sid, number = "CA" + uuid.uuid4().hex, data.number or "anonymous"
    heard = _post(app, "/twilio/voice", _form(sid, number, CallStatus="ringing"))
    presses = {"9": ["9", "1"], "": []}.get(data.keys, [data.keys])
    for key in presses:
        heard += _post(app, "/twilio/voice/menu", _form(sid, number, CallStatus="in-progress", Digits=key))
    if data.keys == "2":
        heard += _post(app, "/twilio/voice/menu?stage=reference",
                       _form(sid, number, CallStatus="in-progress", Digits=data.reference + "#"))
    return heard


def leg_ended(app: Flask, call: Call, data: SimulatedLegIn) -> list[str]:
    more = ({"DialCallStatus": "completed", "DialCallDuration": str(data.duration)} if data.answered == "yes"
            else {"DialCallStatus": "no-answer"})
    return _post(app, f"/twilio/voice/dial-result?step={call.roster_step}",
                 _form(call.sid, call.from_number, CallStatus="in-progress", **more))
