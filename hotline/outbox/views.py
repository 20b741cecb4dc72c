"""The Outbox page: what the app has sent or queued, for coordinators and admins; messages that could not be
delivered, raised to a person until someone marks them handled (also on the coordinator's dashboard)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from hotline.auth.permissions import can, require
from hotline.db import utcnow
from hotline.extensions import get_session
from hotline.outbox.delivery import mark_handled, open_escalations
from hotline.outbox.events import PURPOSES
from hotline.outbox.models import CHANNEL_WORDS, STATUS_WORDS
from hotline.outbox.service import list_messages
from hotline.validation import clean_search

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.get("/")
@require("outbox.read")
def index():
    reference = clean_search(request.args.get("case"), 40) or None
    messages, refs = list_messages(get_session(), case_reference=reference)
    return render_template("outbox/index.html", messages=messages, refs=refs, reference=reference,
                           channels=CHANNEL_WORDS, statuses=STATUS_WORDS)


@bp.post("/<int:message_id>/handled")
@require("outbox.handle")
def handled(message_id: int):
    mark_handled(get_session(), message_id, actor=current_user, now=utcnow())
    return redirect(url_for("outbox.index"))


@bp.app_context_processor
def _undelivered():
    def undelivered_messages():
        if not can(current_user, "outbox.read"):
            return []
        return open_escalations(get_session())

    def message_purpose(source: str | None) -> str:
        return PURPOSES.get((source or "").partition(":")[0], PURPOSES["message"])

    def message_channel(channel: str) -> str:
        return CHANNEL_WORDS.get(channel, channel)

    return {"undelivered_messages": undelivered_messages, "message_purpose": message_purpose,
            "message_channel": message_channel}
