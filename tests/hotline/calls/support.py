"""Posting to the voice webhooks exactly as Twilio does: its form fields, signed with the real RequestValidator."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator

AUTH_TOKEN = "calls-test-auth-token"
HOTLINE = "+81300001000"


def new_sid() -> str:
    return "CA" + uuid.uuid4().hex


def twilio_form(sid: str, from_number: str, **more) -> dict:
    """What Twilio posts for an incoming call (the fields we do not read included)."""
    return {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": sid, "CallStatus": "ringing",
            "Called": HOTLINE, "Caller": from_number, "Direction": "inbound", "From": from_number, "To": HOTLINE,
            "FromCountry": "JP", "ToCountry": "JP", **more}


def post(client, path: str, form: dict, *, token: str | None = AUTH_TOKEN, base: str = "http://localhost"):
    headers = {}
    if token:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(base + path, form)
    return client.post(path, data=form, headers=headers)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return root


def said(root: ET.Element) -> list[tuple[str, str]]:
    """Every <Say> in order, as (language, text)."""
    return [(s.get("language"), s.text or "") for s in root.iter("Say")]


def dialled(root: ET.Element) -> tuple[list[str], ET.Element | None]:
    dial = root.find("Dial")
    return ([n.text for n in dial.iter("Number")] if dial is not None else []), dial
