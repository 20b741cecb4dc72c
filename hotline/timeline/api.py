"""/api/v1/cases/<reference>/timeline (JSON or CSV), /notes, and /api/v1/metrics."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from sqlmodel import select

from hotline.api import parse_body
from hotline.api.openapi import json_body, ref, responses
from hotline.auth.permissions import current_principal, require
from hotline.cases.models import Case
from hotline.cases.service import get_visible_case
from hotline.extensions import get_session
from hotline.timeline import render, service
from hotline.timeline.schemas import NoteIn
from hotline.validation import clean_search
from workflows.metrics import METRIC_KEYS, summarise

bp = Blueprint("timeline_api", __name__)


def _kinds() -> list[str] | None:
    raw = ",".join(request.args.getlist("kind"))
    kinds = [k for k in (clean_search(k, 40) for k in raw.split(",")[:50]) if k]
    return kinds or None


def csv_response(case: Case, events, *, lang: str | None = None) -> Response:
    """The timeline as CSV for the current principal: the API's in English, a page's (`lang`) in its reader's."""
    body = render.to_csv(get_session(), events, reader=current_principal(), lang=lang or "en", api=lang is None)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{case.reference}-timeline.csv"'})


@bp.get("/cases/<reference>/timeline")
@require("timeline.read")
def timeline(reference: str):
    session = get_session()
    case, _ = get_visible_case(session, current_principal(), reference)
    events = service.case_timeline(session, case.id, kinds=_kinds(), reader=current_principal())
    if request.args.get("format") == "csv":
        return csv_response(case, events)
    return jsonify(render.event_json(session, events, reader=current_principal()))


@bp.get("/cases/<reference>/timeline.csv")
@require("timeline.read")
def timeline_csv(reference: str):
    session = get_session()
    case, _ = get_visible_case(session, current_principal(), reference)
    return csv_response(case, service.case_timeline(session, case.id, kinds=_kinds(), reader=current_principal()))


@bp.post("/cases/<reference>/notes")
@require("case.update")
def add_note(reference: str):
    session = get_session()
    case, _ = get_visible_case(session, current_principal(), reference)
    data = parse_body(NoteIn)
    event = service.add_note(session, case, kind=data.kind, text=data.text, at=data.at, actor=current_principal(),
                             internal=data.internal)
    return jsonify({"id": event.id, **render.event_json(session, [event], reader=current_principal())[0]}), 201


def _hours(td):
    return None if td is None else round(td.total_seconds() / 3600, 2)


@bp.get("/metrics")
@require("metrics.read")
def metrics():
    """Every case's metrics (hours from discovery) and the median / p90 across them."""
    session = get_session()
    cases = list(session.exec(select(Case).order_by(Case.id)))
    per_case = service.metrics_for_cases(session, cases)
    return jsonify({"metrics": list(METRIC_KEYS), "summary": summarise(per_case.values()),
                    "cases": [{"reference": c.reference, "hours": {k: _hours(v) for k, v in per_case[c.id].items()}}
                              for c in cases]})


_REF = [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}]
_KIND = {"name": "kind", "in": "query", "schema": {"type": "string"},
         "description": "only these kinds (comma-separated or repeated), e.g. phase_started,fact_changed"}
_EVENT = {"type": "object", "required": ["at", "actor", "kind", "summary", "field", "old", "new"], "properties": {
    "at": {"type": "string", "format": "date-time"}, "actor": {"type": ["string", "null"]},
    "kind": {"type": "string"}, "summary": {"type": "string"}, "field": {"type": ["string", "null"]},
    "old": {"type": ["string", "null"]}, "new": {"type": ["string", "null"]}}}
_CSV = {"text/csv": {"schema": {"type": "string"}}}

OPENAPI_SCHEMAS = {"TimelineEvent": _EVENT, "NoteIn": NoteIn}
OPENAPI_PATHS = {
    "/cases/{reference}/timeline": {
        "get": {"operationId": "getTimeline",
                "summary": "The case timeline, oldest first: every change to the case (operator, coordinator; "
                           "insured: own cases). `summary` is an English sentence rendered from what the event "
                           "stored; an insured reads a staff actor as their role (Hotline, Coordinator), never "
                           "their e-mail. `?format=csv` gives CSV (UTF-8 with BOM).",
                "parameters": [*_REF, _KIND, {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}],
                "responses": responses(200, {"type": "array", "items": ref("TimelineEvent")}, 403, 404)},
    },
    "/cases/{reference}/timeline.csv": {
        "get": {"operationId": "getTimelineCsv",
                "summary": "The case timeline as CSV (columns at, actor, kind, summary, field, old, new)",
                "parameters": [*_REF, _KIND],
                "responses": {"200": {"description": "CSV", "content": _CSV},
                              **{k: v for k, v in responses(200, None, 403, 404).items() if k != "200"}}},
    },
    "/cases/{reference}/notes": {
        "post": {"operationId": "addNote",
                 "summary": "Add a note (note_added) or log a call (call_logged) to the timeline "
                            "(operator, coordinator)",
                 "parameters": _REF, "requestBody": json_body("NoteIn"),
                 "responses": responses(201, ref("TimelineEvent"), 403, 404, 422)},
    },
    "/metrics": {
        "get": {"operationId": "getMetrics",
                "summary": "Response-time metrics in hours from discovery: hotline call, containment, each phase "
                           "start; per case and median / p90 across cases (operator, coordinator, admin)",
                "responses": responses(200, {"type": "object"}, 403)},
    },
}
