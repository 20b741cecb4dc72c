"""/api/v1/cases: intake, the case, fact changes, deadlines and recording that a report was made."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from hotline.api import idempotent, parse_body, parse_query
from hotline.api.openapi import IDEMPOTENCY_KEY, json_body, ref, responses
from hotline.auth.permissions import current_principal, organization_scope, require
from hotline.cases import service
from hotline.cases.models import Case
from hotline.cases.schemas import CaseIn, CaseListQuery, CasePatch, DeadlineMetIn
from hotline.deadlines import service as deadlines
from hotline.deadlines.models import Deadline
from hotline.extensions import get_session
from hotline.formatting import iso
from hotline.orgs.models import Organization, Policy
from workflows.phases import PHASE_KEYS

bp = Blueprint("cases_api", __name__)

FACT_FIELDS = ("caller_name", "caller_phone", "caller_email", "contact_name", "contact_phone", "contact_email",
               "contact_language", "discovery_basis", "discovery_source", "summary", "personal_records_affected", "card_data",
               "sensitive_data", "malicious", "eu_data_subjects", "attack_confirmed", "pmark_holder",
               "coordinator_id")
INSTANT_FIELDS = ("first_discovered_at", "reported_at", "publication_made_at", "appi_known_at", "gdpr_aware_at",
                  "card_known_at", "pmark_discovered_at", "created_at", "closed_at", "next_due_at")


def offsets() -> list:
    return deadlines.parse_offsets(current_app.config["REMINDER_OFFSETS"])


def deadline_json(d: Deadline, rule) -> dict:
    """`rule`: the deadline's rule (deadlines.service.rules_of), given in English with its source."""
    return {"kind": d.kind, "due_at": iso(d.due_at), "last_day": d.last_day.isoformat() if d.last_day else None,
            "status": d.status, "met_at": iso(d.met_at), "rule": deadlines.rule_text(rule, "en"),
            "starts_at": iso(d.starts_at)}


def deadlines_json(session, case: Case) -> list[dict]:
    rules = deadlines.rules_of(session, case)
    return [deadline_json(d, rules.get(d.kind)) for d in deadlines.deadlines_of(session, case.id)]


def case_json(case: Case, policy: Policy, *, deadline_list: list[dict] | None = None,
              organization: Organization | None = None) -> dict:
    """The case as the API shows it. `deadline_list` None leaves deadlines out (lists)."""
    out = {"reference": case.reference, "id": case.id, "policy_id": case.policy_id,
           "policy_number": policy.policy_number, "organization_id": policy.organization_id,
           "status": case.status, "phase": case.phase,
           "outside_policy_period": not policy.covers(case.first_discovered_at)}
    if organization is not None:
        out["organization_name"] = organization.name
    out.update({f: getattr(case, f) for f in FACT_FIELDS})
    out.update({f: iso(getattr(case, f)) for f in INSTANT_FIELDS})
    # The instant each regulator's clock starts from (DOMAIN C.7): recorded, or first discovery.
    out["clock_starts"] = {"insurer": iso(case.first_discovered_at),
                           "appi": iso(case.appi_known_at or case.first_discovered_at),
                           "gdpr": iso(case.gdpr_aware_at or case.first_discovered_at),
                           "card": iso(case.card_known_at or case.first_discovered_at),
                           "pmark": iso(case.pmark_discovered_at or case.first_discovered_at)}
    if deadline_list is not None:
        out["deadlines"] = deadline_list
    return out


def _full(session, case: Case, policy: Policy) -> dict:
    return case_json(case, policy, deadline_list=deadlines_json(session, case))


@bp.post("/cases")
@require("case.create")
@idempotent
def create_case():
    data = parse_body(CaseIn)
    session = get_session()
    opened = service.open_case(session, data, actor=current_principal(), offsets=offsets())
    return jsonify(case_json(opened.case, opened.policy, deadline_list=[
        deadline_json(d, opened.rules.get(d.kind)) for d in opened.deadlines])), 201


@bp.get("/cases")
@require("case.read")
def list_cases():
    query = parse_query(CaseListQuery)
    rows = service.list_cases(get_session(), organization_scope=organization_scope(current_principal()),
                              status=None if query.status == "all" else query.status, phase=query.phase,
                              coordinator_id=query.coordinator_id, overdue=query.overdue,
                              policy_id=query.policy_id, organization_id=query.organization_id,
                              q=query.q, limit=min(query.limit, 1000), offset=query.offset)
    return jsonify([case_json(c, p, organization=o) for c, p, o in rows])


@bp.get("/cases/<reference>")
@require("case.read")
def get_case(reference: str):
    session = get_session()
    case, policy = service.get_visible_case(session, current_principal(), reference)
    return jsonify(_full(session, case, policy))


@bp.patch("/cases/<reference>")
@require("case.update")
def patch_case(reference: str):
    data = parse_body(CasePatch)
    session = get_session()
    case, _ = service.get_visible_case(session, current_principal(), reference)
    service.update_case(session, case, data, actor=current_principal(), offsets=offsets())
    return jsonify(_full(session, case, session.get(Policy, case.policy_id)))


@bp.get("/cases/<reference>/deadlines")
@require("case.read")
def get_deadlines(reference: str):
    session = get_session()
    case, _ = service.get_visible_case(session, current_principal(), reference)
    return jsonify(deadlines_json(session, case))


@bp.post("/cases/<reference>/deadlines/<kind>/met")
@require("case.update")
def deadline_met(reference: str, kind: str):
    data = parse_body(DeadlineMetIn)
    session = get_session()
    case, _ = service.get_visible_case(session, current_principal(), reference)
    row = deadlines.record_met(session, case, kind, data.met_at, actor=current_principal(), offsets=offsets())
    return jsonify(deadline_json(row, deadlines.rules_of(session, case).get(kind)))


_INSTANT = {"type": ["string", "null"], "format": "date-time"}
_DEADLINE = {"type": "object", "required": ["kind", "due_at", "last_day", "status", "met_at", "rule"], "properties": {
    "kind": {"enum": ["insurer_emergency_notice", "appi_preliminary", "appi_final", "gdpr_authority",
                      "card_brand_report", "pmark_report"]},
    "due_at": {**_INSTANT, "description": "The first late instant; for day-based rules 00:00 JST after last_day. "
                                          "null when not applicable."},
    "last_day": {"type": ["string", "null"], "format": "date", "description": "Last JST calendar day"},
    "status": {"enum": ["open", "met", "missed", "not_applicable"]},
    "met_at": {**_INSTANT, "description": "When the report was made (the insurer notice: reported_at). A report "
                                          "made at or after due_at leaves the status missed."},
    "rule": {"type": "string", "description": "The rule in words, with its source and the dates it used"},
    "starts_at": {**_INSTANT, "description": "The instant this clock started from"}}}
_CASE = {"type": "object", "properties": {
    "reference": {"type": "string", "example": "CY-2026-000123"}, "id": {"type": "integer"},
    "policy_id": {"type": "integer"}, "policy_number": {"type": "string"}, "organization_id": {"type": "integer"},
    "status": {"enum": ["open", "closed"]}, "phase": {"type": "string"},
    "outside_policy_period": {"type": "boolean", "description": "first_discovered_at is outside the policy "
                                                                "period: accepted, but flagged"},
    **{f: _INSTANT for f in INSTANT_FIELDS},
    "clock_starts": {"type": "object", "description": "The instant each clock starts from (DOMAIN C.7): "
                                                      "appi_known_at, gdpr_aware_at, card_known_at, "
                                                      "pmark_discovered_at, each defaulting to first_discovered_at"},
    "deadlines": {"type": "array", "items": ref("Deadline")}}}
_REF = [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}]

OPENAPI_SCHEMAS = {"CaseIn": CaseIn, "CasePatch": CasePatch, "DeadlineMetIn": DeadlineMetIn, "Case": _CASE,
                   "Deadline": _DEADLINE}
OPENAPI_PATHS = {
    "/cases": {
        "post": {"operationId": "createCase",
                 "summary": "Open a case (operator, coordinator). reported_at defaults to now. A discovery in the "
                            "future, after reported_at, or without an offset: 422. Outside the policy period: "
                            "accepted, flagged with outside_policy_period.",
                 "parameters": [IDEMPOTENCY_KEY],
                 "requestBody": json_body("CaseIn"), "responses": responses(201, ref("Case"), 403, 409, 422)},
        "get": {"operationId": "listCases",
                "summary": "List and search cases, nearest unmet deadline first (overdue first), cases without "
                           "an unmet deadline last, newest first among equals (insureds: their organisation's only)",
                "parameters": [{"name": n, "in": "query", "schema": sc, "description": d} for n, sc, d in (
                    ("q", {"type": "string", "maxLength": 200},
                     "Search: a reference (CY-2026-000123, 2026-000123, or its number 000123 or 123 in any year), "
                     "the caller's or contact's phone in any format (090-1234-5678, +81 90 1234 5678), or part of "
                     "the company name (kana or kanji as written; full/half width, case, spaces, dashes and "
                     "legal forms such as 株式会社 or (株) ignored) or of the policy number. Closed cases too."),
                    ("status", {"enum": ["open", "closed", "all"]}, "default: all"),
                    ("phase", {"enum": list(PHASE_KEYS)}, "the case's current phase"),
                    ("coordinator_id", {"type": "integer", "minimum": 1}, "the case's coordinator"),
                    ("overdue", {"type": "boolean"}, "true: open cases with an unmet deadline past due"),
                    ("policy_id", {"type": "integer", "minimum": 1}, ""),
                    ("organization_id", {"type": "integer", "minimum": 1}, ""),
                    ("limit", {"type": "integer", "minimum": 0, "maximum": 1000}, "default 100"),
                    ("offset", {"type": "integer", "minimum": 0}, "default 0"))],
                "responses": responses(200, {"type": "array", "items": ref("Case")}, 403, 422)},
    },
    "/cases/{reference}": {
        "parameters": _REF,
        "get": {"operationId": "getCase",
                "summary": "One case with its deadlines", "responses": responses(200, ref("Case"), 403, 404)},
        "patch": {"operationId": "updateCase",
                  "summary": "Change facts (operator, coordinator); deadlines are recomputed and every change is on "
                             "the timeline (fact_changed, deadline_changed old → new)",
                  "requestBody": json_body("CasePatch"), "responses": responses(200, ref("Case"), 403, 404, 422)},
    },
    "/cases/{reference}/deadlines": {
        "parameters": _REF,
        "get": {"operationId": "listDeadlines",
                "summary": "The case's deadlines", "responses": responses(
            200, {"type": "array", "items": ref("Deadline")}, 403, 404)},
    },
    "/cases/{reference}/deadlines/{kind}/met": {
        "parameters": _REF + [{"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}}],
        "post": {"operationId": "markDeadlineMet",
                 "summary": "Record that the report of this kind was made at met_at (operator, coordinator). "
                            "In time: status met; late: status stays missed with met_at. The insurer notice is "
                            "met by reported_at (422 here); a deadline that does not apply: 422.",
                 "requestBody": json_body("DeadlineMetIn"),
                 "responses": responses(200, ref("Deadline"), 403, 404, 422)},
    },
}
