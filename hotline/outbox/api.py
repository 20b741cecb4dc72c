"""GET /api/v1/outbox: every message sent or queued, newest first."""
from __future__ import annotations

from flask import Blueprint, jsonify
from pydantic import BaseModel

from hotline.api import parse_query
from hotline.api.openapi import ref, responses
from hotline.auth.permissions import require
from hotline.extensions import get_session
from hotline.formatting import iso
from hotline.outbox.models import OutboxMessage
from hotline.outbox.service import list_messages
from hotline.validation import MAX_ID, integer, text

bp = Blueprint("outbox_api", __name__)


def message_json(m: OutboxMessage, reference: str | None) -> dict:
    return {"id": m.id, "channel": m.channel, "to": m.to, "subject": m.subject, "body": m.body, "status": m.status,
            "adapter": m.adapter, "provider_id": m.provider_id, "error": m.error, "source": m.source,
            "created_at": iso(m.created_at), "case_reference": reference,
            # delivery (issue 10): hand-overs to the provider, the next one, and whether a person was told
            "attempts": m.attempts, "status_at": iso(m.status_at) if m.status_at else None,
            "next_attempt_at": iso(m.next_attempt_at) if m.next_attempt_at else None,
            "escalated_at": iso(m.escalated_at) if m.escalated_at else None,
            "handled_at": iso(m.handled_at) if m.handled_at else None}


class OutboxQuery(BaseModel):
    case: text(40) | None = None
    limit: integer(0, MAX_ID) = 200  # above 1000 reads 1000


@bp.get("/outbox")
@require("outbox.read")
def outbox():
    query = parse_query(OutboxQuery)
    messages, refs = list_messages(get_session(), case_reference=query.case or None, limit=min(query.limit, 1000))
    return jsonify([message_json(m, refs.get(m.case_id)) for m in messages])


_MESSAGE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "channel": {"enum": ["sms", "voice", "email"]}, "to": {"type": "string"},
    "body": {"type": "string"},
    "status": {"enum": ["queued", "pending", "sending", "sent", "delivered", "undelivered", "failed"],
               "description": "queued: kept in the outbox (no provider); pending: waiting to be handed to the "
                              "provider; sending: being handed over; sent, delivered, undelivered, failed: the "
                              "provider's last word (its status callbacks)"},
    "created_at": {"type": "string", "format": "date-time"},
    "case_reference": {"type": ["string", "null"]},
    "attempts": {"type": "integer", "description": "times handed to the provider"},
    "status_at": {"type": ["string", "null"], "format": "date-time"},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time",
                        "description": "when the clock hands it over again (a retry of a failed message)"},
    "escalated_at": {"type": ["string", "null"], "format": "date-time",
                     "description": "raised to a person: every attempt failed, or the provider never answered"},
    "handled_at": {"type": ["string", "null"], "format": "date-time"}}}
OPENAPI_SCHEMAS = {"OutboxMessage": _MESSAGE}
OPENAPI_PATHS = {"/outbox": {"get": {"operationId": "listOutbox",
    "summary": "Messages sent or queued, newest first (coordinator, admin)",
    "parameters": [{"name": "case", "in": "query", "schema": {"type": "string"}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}],
    "responses": responses(200, {"type": "array", "items": ref("OutboxMessage")}, 403, 404)}}}
