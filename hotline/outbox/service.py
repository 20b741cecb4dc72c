"""Sending a message: it is always recorded in the outbox; a provider gets it after the commit (delivery.py)."""
from __future__ import annotations

from sqlmodel import Session, select

from hotline.db import utcnow
from hotline.outbox.delivery import deliver_after_commit
from hotline.outbox.models import OutboxMessage
from vendors.notifier import Message, Notifier, adapter_for


def send(session: Session, notifier: Notifier, *, channel: str, to: str, body: str,
         case_id: int | None = None, source: str | None = None, voice_url: str | None = None,
         subject: str | None = None) -> OutboxMessage:
    """Record one message; the caller owns the transaction (it commits). With the outbox adapter that is all
    (queued). With a provider the row is pending and is handed over once the caller's transaction has
    committed (hotline/outbox/delivery.py), so a message never leaves for a unit of work that rolls back."""
    adapter = adapter_for(notifier, channel)
    row = OutboxMessage(channel=channel, to=to, subject=subject, body=body, case_id=case_id, source=source,
                        voice_url=voice_url)
    if getattr(adapter, "external", False):
        row.status, row.adapter, row.next_attempt_at = "pending", adapter.name, utcnow()
    else:
        delivery = adapter.deliver(Message(channel=channel, to=to, body=body, voice_url=voice_url, subject=subject))
        row.status, row.adapter, row.provider_id, row.error = (delivery.status, delivery.adapter,
                                                               delivery.provider_id, delivery.error)
    row.status_at = row.created_at
    session.add(row)
    session.flush()
    if row.status == "pending":
        deliver_after_commit(session, notifier, row.id)
    return row


def record_reply(session: Session, *, to: str, body: str, case_id: int | None, at) -> OutboxMessage:
    """A text Twilio sends back as the answer of a webhook (TwiML <Message>): handed over with the answer, so it
    is recorded as sent. The caller owns the transaction."""
    row = OutboxMessage(channel="sms", to=to[:254], body=body, status="sent", adapter="twiml", case_id=case_id,
                        source="reply", created_at=at)
    session.add(row)
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
