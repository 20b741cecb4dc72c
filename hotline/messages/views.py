"""Pages: a case's message thread (staff; the insured reads it on their incident page), writing a message, and
the staff marking the insureds' messages read. The staff dashboards list the cases with new messages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from hotline.auth.permissions import can, current_principal, require
from hotline.cases.service import get_visible_case
from hotline.errors import Invalid
from hotline.extensions import get_session, notifier
from hotline.forms import page_errors, read_form
from hotline.i18n import page_lang
from hotline.messages import service
from hotline.messages.schemas import MessageIn

bp = Blueprint("messages", __name__)


def _thread(session, case, user) -> list:
    thread = service.thread(session, case.id)
    authors = service.authors(session, thread)
    return [(m, service.author_name(m, user, authors, page_lang())) for m in thread]


def _page(reference: str, *, errors=None, form=None, status=200):
    session = get_session()
    user = current_principal()
    case, policy = get_visible_case(session, user, reference)
    return render_template("messages/page.html", case=case, messages=_thread(session, case, user),
                           unread=service.unread_count(session, case.id), errors=errors or {},
                           message_form=form or {}), status


@bp.get("/cases/<reference>/messages")
@require("message.read")
def page(reference: str):
    get_visible_case(get_session(), current_principal(), reference)  # 404 for another company's case
    if not current_principal().role.is_staff:  # the insured's thread is on their incident page
        return redirect(url_for("portal.case", reference=reference) + "#messages")
    return _page(reference)


@bp.post("/cases/<reference>/messages")
@require("message.write")
def post(reference: str):
    session = get_session()
    user = current_principal()
    case, policy = get_visible_case(session, user, reference)
    try:
        data = read_form(MessageIn, request.form)
        service.post(session, case=case, policy=policy, author=user, body=data.body, notifier=notifier(),
                     base_url=str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/"))
    except (ValidationError, Invalid) as exc:
        session.rollback()
        errors, form = page_errors(exc), {"body": request.form.get("body", "")}
        if user.role.is_staff:
            return _page(reference, errors=errors, form=form, status=422)
        from hotline.portal.views import incident_page

        return incident_page(reference, errors=errors, message_form=form, status=422)
    flash(_("Message sent."))
    if user.role.is_staff:
        return redirect(url_for("messages.page", reference=reference))
    return redirect(url_for("portal.case", reference=reference) + "#messages")


@bp.post("/cases/<reference>/messages/read")
@require("case.update")
def mark_read(reference: str):
    session = get_session()
    case, _policy = get_visible_case(session, current_principal(), reference)
    service.mark_read(session, case=case, reader=current_principal())
    flash(_("Marked as read."))
    return redirect(url_for("messages.page", reference=reference))


def case_section(*, session, case, policy, user) -> dict | None:
    """For the case page's section registry: the latest messages with the insured and how many are new."""
    if not can(user, "message.read"):
        return None
    return {"template": "messages/_section.html",
            "context": {"messages": _thread(session, case, user)[-3:], "unread": service.unread_count(session, case.id)}}


@bp.app_context_processor
def _dashboard_messages():
    def unread_messages():
        return service.unread_by_case(get_session())

    return {"unread_messages": unread_messages}
