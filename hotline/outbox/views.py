"""The Outbox page: what the app has sent or queued, for coordinators and admins."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from hotline.auth.permissions import require
from hotline.extensions import get_session
from hotline.outbox.models import CHANNEL_WORDS
from hotline.outbox.service import list_messages
from hotline.validation import clean_search

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.get("/")
@require("outbox.read")
def index():
    reference = clean_search(request.args.get("case"), 40) or None
    messages, refs = list_messages(get_session(), case_reference=reference)
    return render_template("outbox/index.html", messages=messages, refs=refs, reference=reference,
                           channels=CHANNEL_WORDS)
