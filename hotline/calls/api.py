"""/api/v1/calls: the caller log as JSON (operators, coordinators)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from hotline.api import parse_query
from hotline.api.openapi import ref, responses
from hotline.auth.permissions import require
from hotline.calls import service
from hotline.calls.models import Call
from hotline.calls.schemas import CallListQuery
from hotline.extensions import get_session
from hotline.formatting import iso

bp = Blueprint("calls_api", __name__)


def call_json(call: Call, rel: dict) -> dict:
    """A call with what its number matched when it rang (organisations, their policies, the open cases)."""
    user = rel["users"].get
    cases = rel["cases"]
    linked = cases.get(call.case_id)
    answered_by = user(call.answered_by_id)
    return {
        "id": call.id, "sid": call.sid, "from": call.from_number, "from_e164": call.from_e164, "to": call.to_number,
        "started_at": iso(call.started_at), "status": call.status, "language": call.language, "choice": call.choice,
        "organizations": [{"id": o.id, "name": o.name,
                           "policies": [{"id": p.id, "policy_number": p.policy_number, "plan": p.plan}
                                        for p in rel["policies"].get(o.id, [])]}
                          for o in (rel["orgs"].get(i) for i in call.organization_ids or []) if o is not None],
        "open_cases": [{"reference": c.reference, "status": c.status, "phase": c.phase}
                       for c in (cases.get(i) for i in call.case_ids or []) if c is not None],
        "case_reference": linked.reference if linked else None,
        "answered_by": {"id": answered_by.id, "name": answered_by.label} if answered_by else None,
        "answered_at": iso(call.answered_at), "ended_at": iso(call.ended_at),
        "duration_seconds": call.duration_seconds, "called_back_at": iso(call.called_back_at),
        "callback_alerted_at": iso(call.callback_alerted_at),
    }


def calls_json(session, calls: list[Call]) -> list[dict]:
    rel = service.related(session, calls)
    return [call_json(c, rel) for c in calls]


def case_id_of(session, reference: str) -> int | None:
    from sqlmodel import select

    from hotline.cases.models import Case

    return session.exec(select(Case.id).where(Case.reference == reference)).first()


def filtered(session, query: CallListQuery) -> list[Call]:
    case_id = None
    if query.case:
        case_id = case_id_of(session, query.case)
        if case_id is None:
            return []
    return service.list_calls(session, from_number=query.from_ or None, case_id=case_id, status=query.status,
                              since=query.since, limit=query.limit, offset=query.offset)


@bp.get("/calls")
@require("call.read")
def list_calls():
    session = get_session()
    return jsonify(calls_json(session, filtered(session, parse_query(CallListQuery))))


@bp.get("/calls/<int:call_id>")
@require("call.read")
def get_call(call_id: int):
    session = get_session()
    return jsonify(calls_json(session, [service.get_call(session, call_id)])[0])


_INSTANT = {"type": ["string", "null"], "format": "date-time"}
_CALL = {"type": "object", "properties": {
    "id": {"type": "integer"}, "sid": {"type": "string", "description": "Twilio's CallSid"},
    "from": {"type": "string", "description": "the calling number as Twilio sent it"},
    "from_e164": {"type": ["string", "null"], "description": "null: withheld or not a phone number"},
    "to": {"type": "string"}, "started_at": {**_INSTANT, "description": "the ring instant"},
    "status": {"enum": ["ringing", "connecting", "answered", "missed", "abandoned"]},
    "language": {"enum": ["ja", "en"]}, "choice": {"enum": ["new", "existing", "operator", None]},
    "organizations": {"type": "array", "description": "organisations the number matched when it rang, with "
                                                      "their policies"},
    "open_cases": {"type": "array", "description": "their open cases when it rang"},
    "case_reference": {"type": ["string", "null"], "description": "the case the call is linked to"},
    "answered_by": {"type": ["object", "null"]}, "answered_at": _INSTANT, "ended_at": _INSTANT,
    "duration_seconds": {"type": ["integer", "null"]}, "called_back_at": _INSTANT, "callback_alerted_at": _INSTANT}}

OPENAPI_SCHEMAS = {"Call": _CALL}
OPENAPI_PATHS = {
    "/calls": {"get": {
        "operationId": "listCalls",
        "summary": "The caller log, newest first (operator, coordinator)",
        "parameters": [{"name": n, "in": "query", "schema": s, "description": d} for n, s, d in (
            ("from", {"type": "string"}, "the calling number, written any way"),
            ("case", {"type": "string"}, "a case reference: the calls linked to it"),
            ("status", {"enum": ["ringing", "connecting", "answered", "missed", "abandoned", "open", "to_call_back"]},
             "open: ringing or connecting; to_call_back: missed and not called back"),
            ("since", {"type": "string", "format": "date-time"}, "rang at or after, with an offset"),
            ("limit", {"type": "integer", "maximum": 1000}, ""), ("offset", {"type": "integer"}, ""))],
        "responses": responses(200, {"type": "array", "items": ref("Call")}, 403, 422)}},
    "/calls/{call_id}": {
        "parameters": [{"name": "call_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "get": {"operationId": "getCall", "summary": "One call", "responses": responses(200, ref("Call"), 403, 404)}},
}
