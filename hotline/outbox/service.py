"""Sending a message: it is always recorded in the outbox, then handed to the configured notifier."""
from __future__ import annotations

from sqlmodel import Session, select

from hotline.outbox.models import OutboxMessage
from vendors.notifier import Message, Notifier


def send(session: Session, notifier: Notifier, *, channel: str, to: str, body: str,
         case_id: int | None = None, source: str | None = None, voice_url: str | None = None,
         subject: str | None = None) -> OutboxMessage:
    """Deliver one message and record it. The caller owns the transaction (it commits)."""
    delivery = notifier.deliver(Message(channel=channel, to=to, body=body, voice_url=voice_url, subject=subject))
    row = OutboxMessage(channel=channel, to=to, subject=subject, body=body, status=delivery.status,
                        adapter=delivery.adapter,
                        provider_id=delivery.provider_id, error=delivery.error, case_id=case_id, source=source)
    session.add(row)
    session.flush()
    return row


def list_messages(session: Session, *, case_reference: str | None = None,
                  limit: int = 200) -> tuple[list[OutboxMessage], dict[int, str]]:
    """Messages newest first (optionally of one case, 404 if unknown) and the references of their cases."""
    from hotline.cases.models import Case
    from hotline.errors import NotFound

    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if case_reference:
        case_id = session.exec(select(Case.id).where(Case.reference == case_reference)).first()
        if case_id is None:
            raise NotFound("case")
        query = query.where(OutboxMessage.case_id == case_id)
    messages = list(session.exec(query.limit(limit)))
    ids = {m.case_id for m in messages if m.case_id}
    refs = dict(session.exec(select(Case.id, Case.reference).where(Case.id.in_(ids))).all()) if ids else {}
    return messages, refs
