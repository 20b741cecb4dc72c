"""/api/v1/cases/<reference>/costs, …/coverage and /api/v1/policies/<id>/coverage."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from hotline.api import idempotent, parse_body
from hotline.api.openapi import IDEMPOTENCY_KEY, json_body, ref, responses
from hotline.auth.permissions import current_principal, organization_scope, require
from hotline.cases.models import Case
from hotline.cases.service import get_visible_case
from hotline.costs import receipts, service
from hotline.costs.models import CostLine
from hotline.costs.schemas import ConsentIn, CostIn, CostPatch
from hotline.coverage.engine import CaseResult, PeriodResult
from hotline.extensions import get_session
from hotline.formatting import iso
from hotline.i18n import render
from hotline.orgs.models import Policy
from hotline.orgs.service import get_policy
from hotline.products.catalogue import Product

bp = Blueprint("costs_api", __name__)


def line_json(line: CostLine, warnings: list | None = None) -> dict:
    out = {"id": line.id, "category": line.category, "amount_jpy": line.amount_jpy,
           "arose_on": line.arose_on.isoformat(), "ordered_at": iso(line.ordered_at), "victims": line.victims,
           "consent_ref": line.consent_ref, "consent_on": line.consent_on.isoformat() if line.consent_on else None,
           "vendor_id": line.vendor_id, "dispatch_id": line.dispatch_id, "invoice_ref": line.invoice_ref,
           "note": line.note, "created_at": iso(line.created_at), "updated_at": iso(line.updated_at),
           "removed_at": iso(line.removed_at)}
    if warnings is not None:
        out["warnings"] = [service.in_words(w, "en") for w in warnings]
    return out


def _decisions(product: Product, ids: list[str]) -> list[dict]:
    return [{"id": d, "text": product.decisions[d]} for d in ids if d in product.decisions]


def _limits(rows: list[dict]) -> list[dict]:
    return [{**row, "label": render(row["label"], "en")} for row in rows]


def case_coverage_json(product: Product, policy: Policy, case: Case, result: PeriodResult) -> dict:
    cr: CaseResult = result.cases[case.id]
    td, lines = cr.thirty_day, cr.lines
    return {
        "reference": case.reference, "product": product.code, "plan": policy.plan,
        "amounts_known": product.amounts_known,
        "claimed_jpy": cr.claimed_jpy, "payable_jpy": cr.payable_jpy,
        "lines": [{"id": x.id, "category": x.category, "claimed_jpy": x.claimed_jpy, "payable_jpy": x.payable_jpy,
                   "status": x.status, "reasons": [service.in_words(r, "en") for r in x.reasons],
                   "decisions": x.decisions} for x in lines],
        "categories": cr.categories,
        "limits": _limits(cr.limits),
        "thirty_day_rule": None if td is None else {
            "discovery_date": td.window.discovery_date.isoformat(), "window_first_day": td.window.first.isoformat(),
            "window_last_day": td.window.last.isoformat(), "notice_at": iso(td.notice_at),
            "status": td.status, "explanation": f"{render(td.explanation, 'en')} (decision {td.decision})",
            "decision": td.decision},
        "response_period": None if cr.response_period is None else {
            "first_day": cr.response_period[0].isoformat(), "last_day": cr.response_period[1].isoformat(),
            "decision": "I-4"},
        "decisions": _decisions(product, sorted({d for x in lines for d in x.decisions})),
        "policy_period": {"policy_id": policy.id, "claimed_jpy": result.claimed_jpy,
                          "payable_jpy": result.payable_jpy, "limits": _limits(result.limits)},
    }


def policy_coverage_json(product: Product, policy: Policy, result: PeriodResult, refs: dict[int, str]) -> dict:
    return {
        "policy_id": policy.id, "policy_number": policy.policy_number, "product": product.code, "plan": policy.plan,
        "amounts_known": product.amounts_known,
        "period_start": iso(policy.period_start), "period_end": iso(policy.period_end),
        "claimed_jpy": result.claimed_jpy, "payable_jpy": result.payable_jpy, "categories": result.categories,
        "limits": _limits(result.limits), "decisions": _decisions(product, result.decisions),
        "cases": [{"reference": refs.get(cid), "claimed_jpy": cr.claimed_jpy, "payable_jpy": cr.payable_jpy,
                   "categories": cr.categories,
                   "pending_lines": cr.pending_lines}
                  for cid, cr in sorted(result.cases.items())],
    }


@bp.post("/cases/<reference>/costs")
@require("cost.create")
@idempotent
def create_cost(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    data = parse_body(CostIn)
    ignored = service.withheld(data, current_principal())
    line = service.record_cost(session, case=case, policy=policy, data=data, actor=current_principal())
    warnings = service.warnings_for(service.product_of(policy), case, line.category, arose_on=line.arose_on,
                                    ordered_at=line.ordered_at, consent_ref=line.consent_ref)
    return jsonify({**line_json(line, warnings), "ignored_fields": ignored}
                   ), 201


@bp.get("/cases/<reference>/costs")
@require("coverage.read")
def list_costs(reference: str):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    include_removed = request.args.get("include_removed") in ("1", "true")
    return jsonify([line_json(x) for x in service.list_lines(session, case.id, include_removed=include_removed)])


@bp.patch("/cases/<reference>/costs/<int:line_id>")
@require("cost.update")
def update_cost(reference: str, line_id: int):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    data = parse_body(CostPatch)
    line = service.update_cost(session, case=case, policy=policy, line_id=line_id, data=data,
                               actor=current_principal())
    return jsonify(line_json(line))


@bp.delete("/cases/<reference>/costs/<int:line_id>")
@require("cost.update")
def remove_cost(reference: str, line_id: int):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    line = service.remove_cost(session, case=case, policy=policy, line_id=line_id, actor=current_principal())
    return jsonify(line_json(line))


@bp.post("/cases/<reference>/costs/<int:line_id>/consent")
@require("cost.update")
def record_consent(reference: str, line_id: int):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    data = parse_body(ConsentIn)
    line = service.record_consent(session, case=case, policy=policy, line_id=line_id, data=data,
                                  actor=current_principal())
    return jsonify(line_json(line))


@bp.get("/cases/<reference>/coverage")
@require("coverage.read")
def case_coverage(reference: str):
    session = get_session()
    case, policy = get_visible_case(session, current_principal(), reference)
    result = service.policy_coverage(session, policy)
    return jsonify(case_coverage_json(service.product_of(policy), policy, case, result))


@bp.get("/policies/<int:policy_id>/coverage")
@require("coverage.read")
def policy_coverage(policy_id: int):
    session = get_session()
    policy = get_policy(session, policy_id, organization_scope=organization_scope(current_principal()))
    result = service.policy_coverage(session, policy)
    refs = dict(session.execute(Case.__table__.select().with_only_columns(Case.id, Case.reference)
                                .where(Case.policy_id == policy.id)).all())
    return jsonify(policy_coverage_json(service.product_of(policy), policy, result, refs))


def receipt_json(r) -> dict:
    return {"id": r.id, "filename": r.filename, "content_type": r.content_type, "size": r.size}


@bp.post("/cases/<reference>/costs/<int:line_id>/receipts")
@require("cost.create")
def add_receipt(reference: str, line_id: int):
    from hotline.errors import Invalid
    from hotline.forms import read_files

    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    line = service.get_line(session, case, line_id)
    files = read_files(request.files)[:1]
    if not files:
        raise Invalid({"file": "a multipart/form-data field named file with the receipt (PDF, JPEG, PNG or HEIC)"})
    (receipt,) = receipts.attach(session, case=case, line=line, uploads=files, actor=current_principal(),
                                 max_bytes=current_app.config["RECEIPT_MAX_BYTES"])
    return jsonify(receipt_json(receipt)), 201


@bp.get("/cases/<reference>/costs/<int:line_id>/receipts")
@require("coverage.read")
def list_receipts(reference: str, line_id: int):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    service.get_line(session, case, line_id)
    return jsonify([receipt_json(r) for r in receipts.of_case(session, case.id).get(line_id, [])])


@bp.get("/cases/<reference>/costs/<int:line_id>/receipts/<int:receipt_id>")
@require("coverage.read")
def get_receipt(reference: str, line_id: int, receipt_id: int):
    from hotline.costs.views import receipt_response

    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    return receipt_response(*receipts.get(session, case, line_id, receipt_id))


_REF = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}
_LINE_ID = {"name": "line_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_COVERAGE = {"type": "object", "required": ["claimed_jpy", "payable_jpy", "lines", "categories"], "properties": {
    "claimed_jpy": {"type": "integer"}, "payable_jpy": {"type": "integer"},
    "lines": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "category": {"type": "string"}, "claimed_jpy": {"type": "integer"},
        "payable_jpy": {"type": "integer"},
        "status": {"enum": ["payable", "reduced", "pending_consent", "pending_determination", "not_covered"]},
        "reasons": {"type": "array", "items": {"type": "string"}}}}},
    "categories": {"type": "object"}, "limits": {"type": "array"}, "policy_period": {"type": "object"},
    "thirty_day_rule": {"type": ["object", "null"]}, "decisions": {"type": "array"}}}

_RECEIPT_ID = {"name": "receipt_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_RECEIPT = {"type": "object", "required": ["id", "filename", "content_type", "size"], "properties": {
    "id": {"type": "integer"}, "filename": {"type": "string"},
    "content_type": {"enum": ["application/pdf", "image/jpeg", "image/png", "image/heic"]},
    "size": {"type": "integer"}}}
OPENAPI_SCHEMAS = {"Receipt": _RECEIPT, "CostIn": CostIn, "CostPatch": CostPatch, "ConsentIn": ConsentIn, "Coverage": _COVERAGE,
                   "CostLine": {"type": "object", "properties": {
                       "id": {"type": "integer"},
                       "ignored_fields": {"type": "object", "additionalProperties": {"type": "string"},
                                          "description": "on a new line: fields of the body that were not recorded "
                                                         "and why (an insured's consent_ref: only the hotline "
                                                         "records the insurer's consent)"}}}}
OPENAPI_PATHS = {
    "/cases/{reference}/costs": {
        "post": {"operationId": "recordCost",
                 "summary": "Record a cost line (operator, coordinator; insured on their own cases); the answer "
                            "lists warnings (consent needed, 30-day rule). An insured's consent_ref is not "
                            "recorded (ignored_fields says so): only the hotline records the insurer's consent. A "
                            "closed case: 409 (error.code case_closed)", "parameters": [_REF, IDEMPOTENCY_KEY],
                 "requestBody": json_body("CostIn"),
                 "responses": responses(201, ref("CostLine"), 403, 404, 409, 422)},
        "get": {"operationId": "listCosts",
                "summary": "The case's cost lines (?include_removed=1 for removed ones)", "parameters": [_REF],
                "responses": responses(200, {"type": "array", "items": ref("CostLine")}, 403, 404)},
    },
    "/cases/{reference}/costs/{line_id}": {
        "patch": {"operationId": "updateCost",
                  "summary": "Change a cost line; every change is on the timeline old → new",
                  "parameters": [_REF, _LINE_ID], "requestBody": json_body("CostPatch"),
                  "responses": responses(200, ref("CostLine"), 403, 404, 422)},
        "delete": {"operationId": "removeCost",
                   "summary": "Remove a cost line (kept in the ledger history, audited)",
                   "parameters": [_REF, _LINE_ID], "responses": responses(200, ref("CostLine"), 403, 404)},
    },
    "/cases/{reference}/costs/{line_id}/consent": {
        "post": {"operationId": "recordConsent",
                 "summary": "Record the insurer's written consent for a line (pending consent → payable)",
                 "parameters": [_REF, _LINE_ID], "requestBody": json_body("ConsentIn"),
                 "responses": responses(200, ref("CostLine"), 403, 404, 422)},
    },
    "/cases/{reference}/costs/{line_id}/receipts": {
        "post": {"operationId": "addReceipt",
                 "summary": "Add a receipt file to a cost line (operator, coordinator; insured on their own cases): "
                            "PDF, JPEG, PNG or HEIC by its content, at most RECEIPT_MAX_MB (10 MB); another type, "
                            "an empty file or a larger one: 422 and nothing stored (413 above MAX_REQUEST_MB)",
                 "parameters": [_REF, _LINE_ID],
                 "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                     "type": "object", "required": ["file"],
                     "properties": {"file": {"type": "string", "format": "binary"}}}}}},
                 "responses": responses(201, ref("Receipt"), 403, 404, 413, 422)},
        "get": {"operationId": "listReceipts",
                "summary": "The line's receipts (without their bytes)", "parameters": [_REF, _LINE_ID],
                "responses": responses(200, {"type": "array", "items": ref("Receipt")}, 403, 404)},
    },
    "/cases/{reference}/costs/{line_id}/receipts/{receipt_id}": {
        "get": {"operationId": "getReceipt",
                "summary": "The receipt file itself, as an attachment (whoever may see the case)",
                "parameters": [_REF, _LINE_ID, _RECEIPT_ID],
                "responses": {**responses(200, None, 403, 404), "200": {"description": "the file", "content": {
                    "application/pdf": {}, "image/jpeg": {}, "image/png": {}, "image/heic": {}}}}},
    },
    "/cases/{reference}/coverage": {
        "get": {"operationId": "getCoverage",
                "summary": "What the policy pays for each line of the case, and why (DOMAIN section I)",
                "parameters": [_REF], "responses": responses(200, ref("Coverage"), 403, 404)},
    },
    "/policies/{policy_id}/coverage": {
        "get": {"operationId": "getPolicyPeriodCoverage",
                "summary": "The policy-period view: every case of the policy against the per-period limits",
                "parameters": [{"name": "policy_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": responses(200, {"type": "object"}, 403, 404)},
    },
}
