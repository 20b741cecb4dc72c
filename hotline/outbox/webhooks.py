"""POST /twilio/status: Twilio's status callbacks, signed like every webhook. For the messages and calls we sent
(MessageSid + MessageStatus, CallSid + CallStatus) the URL's ?outbox=<id> names the row. A CallSid that is no
message of ours is a call to the hotline's number ending (the status callback set on the number in the Twilio
console): a caller who hangs up in the menu is an abandoned call at once (hotline.calls.service.call_ended).
Answers 204 whatever it concerns (a callback about nothing of ours, or malformed, changes nothing)."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from hotline.calls import service as calls
from hotline.db import utcnow
from hotline.extensions import get_session
from hotline.outbox import delivery
from hotline.twilio_webhooks import check_signature
from hotline.validation import MAX_ID

bp = Blueprint("outbox_twilio", __name__, url_prefix="/twilio")
CALL_OVER = {"completed", "busy", "failed", "no-answer", "canceled"}  # Twilio's CallStatus values of a call that ended


def _field(name: str, limit: int = 64) -> str:
    value = request.form.get(name, "")
    return value if value.isprintable() and len(value) <= limit else ""


@bp.post("/status")
def status_callback():
    check_signature()
    ref = request.args.get("outbox", "")
    outbox_id = int(ref) if ref.isascii() and ref.isdigit() and 0 < int(ref) <= MAX_ID else None
    call_sid, message_sid = _field("CallSid"), _field("MessageSid")
    sid = message_sid or call_sid
    status = (_field("MessageStatus") or _field("CallStatus")).lower()
    session, now = get_session(), utcnow()
    ours = delivery.record_status(session, outbox_id=outbox_id, sid=sid, provider_status=status,
                                  error_code=_field("ErrorCode", 10) or None, now=now,
                                  policy=current_app.extensions["hotline.delivery_policy"])
    if not ours and call_sid and not message_sid and status in CALL_OVER:
        calls.call_ended(session, call_sid, now=now)
    return "", 204
