"""POST /api/v1/organizations/<id>/invitations: invite an insured user of the organisation (admin, coordinator)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from hotline.accounts import service
from hotline.accounts.schemas import InvitationIn
from hotline.accounts.views import settings
from hotline.api import parse_body
from hotline.api.openapi import json_body, ref, responses
from hotline.auth.permissions import current_principal, require
from hotline.extensions import get_session, notifier
from hotline.formatting import iso

bp = Blueprint("accounts_api", __name__)


@bp.post("/organizations/<int:organization_id>/invitations")
@require("insured.invite")
def invite(organization_id: int):
    data = parse_body(InvitationIn)
    user, link = service.invite(get_session(), organization_id=organization_id, email=data.email, name=data.name,
                                language=data.language, actor=current_principal(), notifier=notifier(),
                                settings=settings())
    return jsonify({"id": user.id, "email": user.email, "name": user.display_name, "organization_id":
                    user.organization_id, "language": user.language, "status": "invited",
                    "expires_at": iso(link.expires_at)}), 201


_INVITATION = {"type": "object", "properties": {
    "id": {"type": "integer", "description": "the insured user's id"}, "email": {"type": "string"},
    "name": {"type": "string"}, "organization_id": {"type": "integer"}, "language": {"enum": ["ja", "en", None]},
    "status": {"enum": ["invited"]},
    "expires_at": {"type": "string", "format": "date-time", "description": "until when the link in the e-mail works "
                                                                           "(once)"}}}
OPENAPI_SCHEMAS = {"InvitationIn": InvitationIn, "Invitation": _INVITATION}
OPENAPI_PATHS = {"/organizations/{organization_id}/invitations": {"post": {"operationId": "inviteInsured",
    "summary": "Invite an insured user of the organisation by e-mail (admin, coordinator): the e-mail with a "
               "single-use link to set a password goes through the outbox (channel email), or SMTP when configured. "
               "Inviting again someone who has not set a password yet sends a new link (the old one stops working).",
    "parameters": [{"name": "organization_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "requestBody": json_body("InvitationIn"), "responses": responses(201, ref("Invitation"), 403, 404, 422)}}}
