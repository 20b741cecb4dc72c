"""Sending a message: it is always recorded in the outbox, then handed to the configured notifier."""
from __future__ import annotations

from sqlmodel import Session, select

from hotline.outbox.models import OutboxMessage
from vendors.notifier import Message, Notifier


def send(session: Session, notifier: Notifier, *, channel: str, to: str, body: str,
         case_id: int | None = None, source: str | None = None, voice_url: str | None = None) -> OutboxMessage:
    """Deliver one message and record it. The caller owns the transaction (it commits)."""
    delivery = notifier.deliver(Message(channel=channel, to=to, body=body, voice_url=voice_url))
    row = OutboxMessage(channel=channel, to=to, body=body, status=delivery.status, adapter=delivery.adapter,
                        provider_id=delivery.provider_id, error=delivery.error, case_id=case_id, source=source)
    session.add(row)
    session.flush()
    return row


def list_messages(session: Session, *, case_id: int | None = None, limit: int = 200) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if case_id is not None:
        query = query.where(OutboxMessage.case_id == case_id)
    return list(session.exec(query.limit(limit)))
