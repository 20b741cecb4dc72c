"""The Outbox page: what the app has sent or queued, for coordinators and admins."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlmodel import select

from hotline.auth.permissions import require
from hotline.cases.models import Case
from hotline.extensions import get_session
from hotline.outbox.service import list_messages

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.get("/")
@require("outbox.read")
def index():
    session = get_session()
    case = None
    if request.args.get("case"):
        case = session.exec(select(Case).where(Case.reference == request.args["case"])).first()
    messages = list_messages(session, case_id=case.id if case else None)
    ids = {m.case_id for m in messages if m.case_id}
    refs = dict(session.exec(select(Case.id, Case.reference).where(Case.id.in_(ids))).all()) if ids else {}
    return render_template("outbox/index.html", messages=messages, refs=refs, case=case)
