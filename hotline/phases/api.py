"""/api/v1/cases/<reference>/phases and /tasks: the response workflow of a case."""
from __future__ import annotations

from flask import Blueprint, jsonify

from hotline.api import parse_body
from hotline.api.openapi import json_body, ref, responses
from hotline.auth.permissions import current_principal, require
from hotline.cases.service import get_visible_case
from hotline.errors import Invalid
from hotline.extensions import get_session
from hotline.formatting import iso
from hotline.i18n import render
from hotline.phases import service
from hotline.phases.models import CasePhase, CaseTask
from hotline.phases.schemas import PhaseMoveIn, ReopenIn, TaskIn, TaskUpdateIn
from workflows.phases import PHASE_KEYS

bp = Blueprint("phases_api", __name__)


def task_json(t: CaseTask) -> dict:
    return {"id": t.id, "title": render(t.label, "en"), "status": t.status, "due_at": iso(t.due_at),
            "phase": t.phase_key, "template_key": t.template_key,
            "owner_role": t.owner_role, "owner_id": t.owner_id, "cost_category": t.cost_category,
            "done_at": iso(t.done_at)}


def phase_json(p: CasePhase, tasks: list[CaseTask]) -> dict:
    return {"key": p.key, "status": p.status, "started_at": iso(p.started_at), "ended_at": iso(p.ended_at),
            "skip_reason": p.skip_reason, "tasks": [task_json(t) for t in tasks]}


def _phases(session, case) -> list[dict]:
    return [phase_json(p, tasks) for p, tasks in service.phases_with_tasks(session, case)]


@bp.get("/cases/<reference>/phases")
@require("phase.read")
def list_phases(reference: str):
    session = get_session()
    case, _ = get_visible_case(session, current_principal(), reference)
    return jsonify(_phases(session, case))


@bp.post("/cases/<reference>/phases/<key>")
@require("phase.update")
def move_phase(reference: str, key: str):
    session = get_session()
    case, _ = get_visible_case(session, current_principal(), reference)
    service.require_phase_key(key)
    data = parse_body(PhaseMoveIn)
    service.move_phase(session, case, key, data.action, reason=data.reason, actor=current_principal())
    return jsonify(_phases(session, case))


@bp.post("/cases/<reference>/reopen")
@require("case.reopen")
def reopen(reference: str):
    session = get_session()
    case, _ = get_visible_case(session, current_principal(), reference)
    data = parse_body(ReopenIn)
    service.reopen_case(session, case, reason=data.reason, actor=current_principal())
    return jsonify(_phases(session, case))


@bp.post("/cases/<reference>/tasks")
@require("task.write")
def add_task(reference: str):
    session = get_session()
    case, _ = get_visible_case(session, current_principal(), reference)
    data = parse_body(TaskIn)
    task = service.add_task(session, case, phase_key=data.phase, title=data.title, due_at=data.due_at, owner_role=data.owner_role, owner_id=data.owner_id,
                            cost_category=data.cost_category, actor=current_principal())
    return jsonify(task_json(task)), 201


@bp.post("/cases/<reference>/tasks/<int:task_id>")
@require("task.write")
def update_task(reference: str, task_id: int):
    session = get_session()
    case, _ = get_visible_case(session, current_principal(), reference)
    service.get_task(session, case, task_id)  # 404 before body errors
    data = parse_body(TaskUpdateIn)
    if data.status != "done":  # pragma: no cover - the schema allows only "done"
        raise Invalid({"status": "only done"})
    return jsonify(task_json(service.complete_task(session, case, task_id, actor=current_principal())))


_REF = [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"},
         "example": "CY-2026-000123"}]
_TASK = {"type": "object", "required": ["id", "title", "status", "due_at"], "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "status": {"enum": ["open", "done"]},
    "due_at": {"type": ["string", "null"], "format": "date-time"},
    "phase": {"enum": list(PHASE_KEYS)}, "template_key": {"type": ["string", "null"]},
    "owner_role": {"type": ["string", "null"]}, "owner_id": {"type": ["integer", "null"]},
    "cost_category": {"type": ["string", "null"], "description": "the cost category the work produces"},
    "done_at": {"type": ["string", "null"], "format": "date-time"}}}
_PHASE = {"type": "object", "required": ["key", "status", "started_at", "ended_at", "skip_reason", "tasks"],
          "properties": {"key": {"enum": list(PHASE_KEYS)},
                         "status": {"enum": ["not_started", "active", "done", "skipped"]},
                         "started_at": {"type": ["string", "null"], "format": "date-time"},
                         "ended_at": {"type": ["string", "null"], "format": "date-time"},
                         "skip_reason": {"type": ["string", "null"]},
                         "tasks": {"type": "array", "items": ref("Task")}}}
_PHASES = {"type": "array", "items": ref("Phase")}

OPENAPI_SCHEMAS = {"PhaseMoveIn": PhaseMoveIn, "ReopenIn": ReopenIn, "TaskIn": TaskIn, "TaskUpdateIn": TaskUpdateIn,
                   "Task": _TASK, "Phase": _PHASE}
OPENAPI_PATHS = {
    "/cases/{reference}/phases": {
        "get": {"operationId": "listPhases",
                "summary": "The nine phases of a case in order, each with its task checklist "
                           "(operator, coordinator; insured: own cases). Created with the case at intake.",
                "parameters": _REF, "responses": responses(200, _PHASES, 403, 404)},
    },
    "/cases/{reference}/phases/{key}": {
        "post": {"operationId": "movePhase",
                 "summary": "Start, complete or skip a phase (operator, coordinator). `reason` is required for "
                            "skip (422). A guard that stops the move answers 409 with error.code `guard`, the "
                            "message naming what blocks it and error.blockers listing each reason. Completing "
                            "`closure` closes the case. An unknown phase key answers 404.",
                 "parameters": [*_REF, {"name": "key", "in": "path", "required": True,
                                        "schema": {"enum": list(PHASE_KEYS)}}],
                 "requestBody": json_body("PhaseMoveIn"),
                 "responses": responses(200, _PHASES, 403, 404, 409, 422, conflict="GuardError")},
    },
    "/cases/{reference}/reopen": {
        "post": {"summary": "Reopen a closed case (operator, coordinator) with a reason, which goes on the timeline; "
                            "the closure phase is active again. A closed case refuses costs, fact changes, reports "
                            "and notes with 409 (error.code case_closed) until then; an open one: 409 case_open.",
                 "parameters": _REF, "requestBody": json_body("ReopenIn"),
                 "responses": responses(200, _PHASES, 403, 404, 409, 422)},
    },
    "/cases/{reference}/tasks": {
        "post": {"operationId": "addTask",
                 "summary": "Add a task by hand to a phase's checklist (operator, coordinator)",
                 "parameters": _REF, "requestBody": json_body("TaskIn"),
                 "responses": responses(201, ref("Task"), 403, 404, 409, 422, conflict="GuardError")},
    },
    "/cases/{reference}/tasks/{task_id}": {
        "post": {"operationId": "updateTask",
                 "summary": "Mark a task done: {\"status\": \"done\"} (operator, coordinator); twice is harmless",
                 "parameters": [*_REF, {"name": "task_id", "in": "path", "required": True,
                                        "schema": {"type": "integer"}}],
                 "requestBody": json_body("TaskUpdateIn"),
                 "responses": responses(200, ref("Task"), 403, 404, 409, 422, conflict="GuardError")},
    },
}
