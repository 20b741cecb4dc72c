"""POST /twilio/status: Twilio's status callbacks for the messages and calls we sent (MessageSid + MessageStatus,
CallSid + CallStatus), signed like every webhook; the URL's ?outbox=<id> names the row. Answers 204 whatever it
concerns (a callback about no message of ours, or malformed, changes nothing)."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from hotline.db import utcnow
from hotline.extensions import get_session
from hotline.outbox import delivery
from hotline.twilio_webhooks import check_signature
from hotline.validation import MAX_ID

bp = Blueprint("outbox_twilio", __name__, url_prefix="/twilio")


def _field(name: str, limit: int = 64) -> str:
    value = request.form.get(name, "")
    return value if value.isprintable() and len(value) <= limit else ""


@bp.post("/status")
def status_callback():
    check_signature()
    ref = request.args.get("outbox", "")
    outbox_id = int(ref) if ref.isascii() and ref.isdigit() and 0 < int(ref) <= MAX_ID else None
    sid = _field("MessageSid") or _field("CallSid")
    status = (_field("MessageStatus") or _field("CallStatus")).lower()
    delivery.record_status(get_session(), outbox_id=outbox_id, sid=sid, provider_status=status,
                           error_code=_field("ErrorCode", 10) or None, now=utcnow(),
                           policy=current_app.extensions["hotline.delivery_policy"])
    return "", 204
