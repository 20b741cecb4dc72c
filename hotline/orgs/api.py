"""/api/v1/organizations and /api/v1/policies."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from hotline.api import parse_body
from hotline.api.openapi import json_body, ref, responses
from hotline.auth.permissions import current_principal, organization_scope, require
from hotline.extensions import get_session
from hotline.formatting import iso
from hotline.orgs import service
from hotline.orgs.models import Organization, Policy
from hotline.orgs.schemas import OrganizationIn, PolicyIn
from hotline.validation import clean_search

bp = Blueprint("orgs_api", __name__)


def organization_json(org: Organization) -> dict:
    return {"id": org.id, "name": org.name, "created_at": iso(org.created_at)}


def policy_json(policy: Policy, org: Organization | None = None) -> dict:
    out = {"id": policy.id, "organization_id": policy.organization_id, "product": policy.product,
           "plan": policy.plan, "policy_number": policy.policy_number,
           "period_start": iso(policy.period_start), "period_end": iso(policy.period_end),
           "created_at": iso(policy.created_at)}
    if org is not None:
        out["organization_name"] = org.name
    return out


@bp.post("/organizations")
@require("organization.write")
def create_organization():
    data = parse_body(OrganizationIn)
    session = get_session()
    org = service.create_organization(session, data, actor=current_principal())
    return jsonify(organization_json(org)), 201


@bp.get("/organizations")
@require("organization.read")
def list_organizations():
    return jsonify([organization_json(o) for o in service.list_organizations(get_session())])


@bp.post("/policies")
@require("policy.write")
def create_policy():
    data = parse_body(PolicyIn)
    session = get_session()
    policy = service.create_policy(session, data, actor=current_principal())
    return jsonify(policy_json(policy)), 201


@bp.get("/policies")
@require("policy.read")
def list_policies():
    rows = service.search_policies(get_session(), clean_search(request.args.get("q")),
                                   organization_scope=organization_scope(current_principal()))
    return jsonify([policy_json(p, o) for p, o in rows])


@bp.get("/policies/<int:policy_id>")
@require("policy.read")
def get_policy(policy_id: int):
    policy = service.get_policy(get_session(), policy_id,
                                organization_scope=organization_scope(current_principal()))
    return jsonify(policy_json(policy))


_ORG = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                         "created_at": {"type": "string", "format": "date-time"}}}
_POLICY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "organization_id": {"type": "integer"}, "product": {"type": "string"},
    "plan": {"type": "string"}, "policy_number": {"type": "string"},
    "period_start": {"type": "string", "format": "date-time"},
    "period_end": {"type": "string", "format": "date-time"}}}

OPENAPI_SCHEMAS = {"OrganizationIn": OrganizationIn, "PolicyIn": PolicyIn, "Organization": _ORG, "Policy": _POLICY}
OPENAPI_PATHS = {
    "/organizations": {
        "post": {"operationId": "createOrganization",
                 "summary": "Create an insured organisation (admin, coordinator)",
                 "requestBody": json_body("OrganizationIn"), "responses": responses(201, ref("Organization"), 403, 422)},
        "get": {"operationId": "listOrganizations",
                "summary": "List organisations (operator, coordinator, admin)",
                "responses": responses(200, {"type": "array", "items": ref("Organization")}, 403)},
    },
    "/policies": {
        "post": {"operationId": "createPolicy",
                 "summary": "Create a policy (admin, coordinator); unknown product or plan: 422",
                 "requestBody": json_body("PolicyIn"), "responses": responses(201, ref("Policy"), 403, 422)},
        "get": {"operationId": "listPolicies",
                "summary": "Search policies by number or company name (?q=); insureds see their own",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": responses(200, {"type": "array", "items": ref("Policy")}, 403)},
    },
    "/policies/{policy_id}": {
        "get": {"operationId": "getPolicy",
                "summary": "One policy", "parameters": [{"name": "policy_id", "in": "path", "required": True,
                                                          "schema": {"type": "integer"}}],
                "responses": responses(200, ref("Policy"), 403, 404)},
    },
}
