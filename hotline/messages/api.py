"""/api/v1/cases/<reference>/messages: the case's thread (staff and the case's insureds)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from hotline.api import idempotent, parse_body
from hotline.api.openapi import IDEMPOTENCY_KEY, json_body, ref, responses
from hotline.auth.permissions import current_principal, require
from hotline.cases.service import get_visible_case
from hotline.extensions import get_session, notifier
from hotline.formatting import iso
from hotline.messages import service
from hotline.messages.models import CaseMessage
from hotline.messages.schemas import MessageIn

bp = Blueprint("messages_api", __name__)


def message_json(m: CaseMessage, author: str) -> dict:
    return {"id": m.id, "author": author, "body": m.body, "at": iso(m.created_at), "from_insured": m.from_insured,
            "read_at": iso(m.read_at) if m.from_insured else None}


@bp.get("/cases/<reference>/messages")
@require("message.read")
def thread(reference: str):
    session = get_session()
    user = current_principal()
    case, _policy = get_visible_case(session, user, reference)
    messages = service.thread(session, case.id)
    authors = service.authors(session, messages)
    return jsonify([message_json(m, service.author_name(m, user, authors, "en")) for m in messages])


@bp.post("/cases/<reference>/messages")
@require("message.write")
@idempotent
def post(reference: str):
    session = get_session()
    user = current_principal()
    case, policy = get_visible_case(session, user, reference)
    data = parse_body(MessageIn)
    message = service.post(session, case=case, policy=policy, author=user, body=data.body, notifier=notifier(),
                           base_url=str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/"))
    return jsonify(message_json(message, service.author_name(message, user, {user.id: user}, "en"))), 201


_REF = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}
_MESSAGE = {"type": "object", "required": ["id", "author", "body", "at"], "properties": {
    "id": {"type": "integer"}, "author": {"type": "string", "description": "as the caller may see them: an insured "
                                                                           "reads the hotline's staff by their role"},
    "body": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "from_insured": {"type": "boolean"},
    "read_at": {"type": ["string", "null"], "format": "date-time",
                "description": "an insured's message: when the hotline read or answered it"}}}
OPENAPI_SCHEMAS = {"MessageIn": MessageIn, "Message": _MESSAGE}
OPENAPI_PATHS = {"/cases/{reference}/messages": {
    "get": {"operationId": "listMessages",
            "summary": "The case's messages between its insureds and the hotline, oldest first",
            "parameters": [_REF], "responses": responses(200, {"type": "array", "items": ref("Message")}, 403, 404)},
    "post": {"operationId": "postMessage",
             "summary": "Write a message (staff, the case's insureds); the other side is told by e-mail in their "
                        "language, with a link (never the words)",
             "parameters": [_REF, IDEMPOTENCY_KEY], "requestBody": json_body("MessageIn"),
             "responses": responses(201, ref("Message"), 403, 404, 409, 422)},
}}
