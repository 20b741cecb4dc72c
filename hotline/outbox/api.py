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
            "created_at": iso(m.created_at), "case_reference": reference}


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
    "body": {"type": "string"}, "status": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
    "case_reference": {"type": ["string", "null"]}}}
OPENAPI_SCHEMAS = {"OutboxMessage": _MESSAGE}
OPENAPI_PATHS = {"/outbox": {"get": {"operationId": "listOutbox",
    "summary": "Messages sent or queued, newest first (coordinator, admin)",
    "parameters": [{"name": "case", "in": "query", "schema": {"type": "string"}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}],
    "responses": responses(200, {"type": "array", "items": ref("OutboxMessage")}, 403, 404)}}}
