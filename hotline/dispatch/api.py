"""/api/v1/vendors and /api/v1/cases/<reference>/dispatches."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from hotline.api import idempotent, parse_body
from hotline.api.openapi import IDEMPOTENCY_KEY, json_body, ref, responses
from hotline.auth.permissions import current_principal, require
from hotline.cases.service import get_visible_case
from hotline.dispatch import registry, service
from hotline.dispatch.models import Dispatch, DispatchAttempt, Vendor
from hotline.dispatch.schemas import DispatchAction, DispatchIn, VendorIn, VendorPatch
from hotline.dispatch.settings import from_config
from hotline.errors import Invalid
from hotline.extensions import get_session, notifier
from hotline.formatting import iso
from hotline.i18n import render
from hotline.timeline.render import event_json
from vendors.capabilities import CODES, cost_categories

bp = Blueprint("dispatch_api", __name__)


def vendor_json(session, v: Vendor, reason: str | None = None, load: int | None = None) -> dict:
    out = {"id": v.id, "name": v.name, "capabilities": list(v.capabilities), "hours": v.hours,
           "languages": list(v.languages), "escalation_rank": v.escalation_rank, "note": v.note, "active": v.active,
           "contacts": [{"name": c.name, "phone": c.phone} for c in registry.contacts_of(session, v.id)],
           "created_at": iso(v.created_at), "updated_at": iso(v.updated_at)}
    if reason is not None:
        out["reason"] = reason
    if load is not None:
        out["active_dispatches"] = load
    return out


def attempt_json(a: DispatchAttempt) -> dict:
    return {"step": a.step, "vendor_id": a.vendor_id, "contact_name": a.contact_name, "phone": a.phone,
            "sent_at": iso(a.sent_at), "deadline": iso(a.deadline), "closed_at": iso(a.closed_at),
            "outcome": a.outcome, "answered_via": a.answered_via, "late_answer": a.late_answer}


def dispatch_json(d: Dispatch, attempts, history: list[dict], reference: str, attack_confirmed: str) -> dict:
    return {"id": d.id, "case_reference": reference, "status": d.status, "vendor_id": d.vendor_id,
            "requested_vendor_id": d.requested_vendor_id, "capability": d.capability, "brief": d.brief,
            "warnings": [render(w, "en") for w in service.warnings_of(d)], "warnings_overridden": d.warnings_overridden,
            "cost_categories": list(cost_categories(d.capability, attack_confirmed)),
            "chain": list(d.chain), "current_step": d.current_step, "step_deadline": iso(d.step_deadline),
            "created_at": iso(d.created_at), "decided_at": iso(d.decided_at), "released_at": iso(d.released_at),
            "attempts": [attempt_json(a) for a in attempts],
            "history": [{k: e[k] for k in ("at", "actor", "kind", "summary")} for e in history]}


def _dispatch_out(session, case, dispatches: list[Dispatch]) -> list[dict]:
    ids = [d.id for d in dispatches]
    attempts, history = service.attempts_for(session, ids), service.history_for(session, ids)
    return [dispatch_json(d, attempts[d.id], event_json(session, history[d.id], reader=current_principal()),
                          case.reference, case.attack_confirmed) for d in dispatches]


@bp.post("/vendors")
@require("vendor.write")
def create_vendor():
    data = parse_body(VendorIn)
    session = get_session()
    vendor = registry.create_vendor(session, data, actor=current_principal())
    return jsonify(vendor_json(session, vendor)), 201


@bp.get("/vendors")
@require("vendor.read")
def list_vendors():
    session = get_session()
    capability = request.args.get("capability")
    if capability:
        if capability not in CODES:
            raise Invalid({"capability": f"unknown capability; known: {', '.join(CODES)}"})
        return jsonify([vendor_json(session, v, render(list(r.reasons), "en"), r.vendor.load)
                        for v, r in registry.ranked(session, capability)])
    loads = registry.loads(session)
    return jsonify([vendor_json(session, v, load=loads.get(v.id, 0)) for v in registry.list_vendors(session)])


@bp.get("/vendors/<int:vendor_id>")
@require("vendor.read")
def get_vendor(vendor_id: int):
    session = get_session()
    return jsonify(vendor_json(session, registry.get_vendor(session, vendor_id)))


@bp.patch("/vendors/<int:vendor_id>")
@require("vendor.write")
def patch_vendor(vendor_id: int):
    data = parse_body(VendorPatch)
    session = get_session()
    vendor = registry.update_vendor(session, registry.get_vendor(session, vendor_id), data, actor=current_principal())
    return jsonify(vendor_json(session, vendor))


@bp.post("/cases/<reference>/dispatches")
@require("dispatch.create")
@idempotent
def create_dispatch(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    data = parse_body(DispatchIn)
    dispatch = service.create_dispatch(session, case=case, product_code=policy.product, data=data,
                                       actor=current_principal(), notifier=notifier(),
                                       settings=from_config(current_app.config))
    return jsonify(_dispatch_out(session, case, [dispatch])[0]), 201


@bp.get("/cases/<reference>/dispatches")
@require("dispatch.read")
def list_dispatches(reference: str):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    return jsonify(_dispatch_out(session, case, service.dispatches_for_case(session, case.id)))


@bp.get("/cases/<reference>/dispatches/<int:dispatch_id>")
@require("dispatch.read")
def get_dispatch(reference: str, dispatch_id: int):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    return jsonify(_dispatch_out(session, case, [service.get_dispatch(session, case, dispatch_id)])[0])


@bp.post("/cases/<reference>/dispatches/<int:dispatch_id>")
@require("dispatch.create")
def act_on_dispatch(reference: str, dispatch_id: int):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    data = parse_body(DispatchAction)
    dispatch = service.coordinator_action(session, dispatch=service.get_dispatch(session, case, dispatch_id),
                                          action=data.action, note=data.note, actor=current_principal(),
                                          notifier=notifier(),
                                          settings=from_config(current_app.config))
    return jsonify(_dispatch_out(session, case, [dispatch])[0])


_CONTACT = {"type": "object", "properties": {"name": {"type": "string"},
                                             "phone": {"type": "string", "pattern": r"^\+[1-9]\d{6,14}$"}}}
_VENDOR = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "capabilities": {"type": "array", "items": {"enum": list(CODES)}}, "hours": {"enum": ["24x7", "business"]},
    "languages": {"type": "array", "items": {"type": "string"}}, "escalation_rank": {"type": "integer"},
    "active": {"type": "boolean"}, "contacts": {"type": "array", "items": _CONTACT},
    "reason": {"type": "string", "description": "why the vendor has its place (with ?capability=)"},
    "active_dispatches": {"type": "integer"}}}
_DISPATCH = {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": {"enum": ["pending", "accepted", "declined", "escalated", "expired"]},
    "vendor_id": {"type": "integer", "description": "the vendor asked now, or the one engaged"},
    "requested_vendor_id": {"type": "integer"}, "capability": {"type": "string"}, "brief": {"type": "string"},
    "warnings": {"type": "array", "items": {"type": "string"}}, "warnings_overridden": {"type": "boolean"},
    "cost_categories": {"type": "array", "items": {"type": "string"}},
    "chain": {"type": "array", "items": {"type": "object"}, "description": "the escalation chain copied at start"},
    "current_step": {"type": "integer"}, "step_deadline": {"type": ["string", "null"], "format": "date-time"},
    "released_at": {"type": ["string", "null"], "format": "date-time"},
    "attempts": {"type": "array", "items": {"type": "object"}},
    "history": {"type": "array", "items": {"type": "object"}}}}
_VID = [{"name": "vendor_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_REF = [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}]
_DID = _REF + [{"name": "dispatch_id", "in": "path", "required": True, "schema": {"type": "integer"}}]

OPENAPI_SCHEMAS = {"VendorIn": VendorIn, "VendorPatch": VendorPatch, "DispatchIn": DispatchIn,
                   "DispatchAction": DispatchAction, "Vendor": _VENDOR, "Dispatch": _DISPATCH}
OPENAPI_PATHS = {
    "/vendors": {
        "post": {"operationId": "createVendor",
                 "summary": "Register a vendor (coordinator, admin); phones in E.164 or 422",
                 "requestBody": json_body("VendorIn"), "responses": responses(201, ref("Vendor"), 403, 422)},
        "get": {"operationId": "listVendors",
                "summary": "Vendors; with ?capability= only those that have it, best first, each with a reason "
                           "(operator, coordinator, admin)",
                "parameters": [{"name": "capability", "in": "query", "schema": {"enum": list(CODES)}}],
                "responses": responses(200, {"type": "array", "items": ref("Vendor")}, 403, 422)},
    },
    "/vendors/{vendor_id}": {
        "get": {"operationId": "getVendor",
                "summary": "One vendor", "parameters": _VID, "responses": responses(200, ref("Vendor"), 403, 404)},
        "patch": {"operationId": "updateVendor",
                  "summary": "Change a vendor (coordinator, admin); running dispatches keep their chain",
                  "parameters": _VID, "requestBody": json_body("VendorPatch"),
                  "responses": responses(200, ref("Vendor"), 403, 404, 422)},
    },
    "/cases/{reference}/dispatches": {
        "post": {"operationId": "dispatchVendor",
                 "summary": "Dispatch a vendor to the case (coordinator, admin): SMS (and voice) to its on-call "
                            "contact with a signed answer link; escalates on no answer",
                 "parameters": [*_REF, IDEMPOTENCY_KEY], "requestBody": json_body("DispatchIn"),
                 "responses": responses(201, ref("Dispatch"), 403, 404, 409, 422, conflict="WarningsError")},
        "get": {"operationId": "listDispatches",
                "summary": "The case's dispatches with status, attempts and history (operator, coordinator, admin)",
                "parameters": _REF, "responses": responses(200, {"type": "array", "items": ref("Dispatch")}, 403, 404)},
    },
    "/cases/{reference}/dispatches/{dispatch_id}": {
        "get": {"operationId": "getDispatch",
                "summary": "One dispatch", "parameters": _DID, "responses": responses(200, ref("Dispatch"), 403, 404)},
        "post": {"operationId": "actOnDispatch",
                 "summary": "accept / decline (the vendor answered by phone), release (work finished), withdraw",
                 "parameters": _DID, "requestBody": json_body("DispatchAction"),
                 "responses": responses(200, ref("Dispatch"), 403, 404, 409, 422)},
    },
}
