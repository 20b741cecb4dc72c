"""Sending a message: it is always recorded in the outbox; a provider gets it after the commit (delivery.py)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.db import utcnow
from hotline.outbox.delivery import deliver_after_commit
from hotline.outbox.models import OutboxMessage
from vendors.notifier import Message, Notifier, adapter_for


def deliver(notifier: Notifier, *, channel: str, to: str, body: str, case_id: int | None = None,
            source: str | None = None, voice_url: str | None = None, subject: str | None = None) -> dict:
    """One message's outbox row (not yet stored: `send` or `store` does it). With the outbox adapter it is
    delivered at once (queued: nothing leaves the building). With a provider it is `pending`: it is handed over
    once the caller's transaction has committed (hotline/outbox/delivery.py), so a message never leaves for a
    unit of work that rolls back, and leaves once."""
    adapter = adapter_for(notifier, channel)
    now = utcnow()
    row = {"channel": channel, "to": to, "subject": subject, "body": body, "case_id": case_id, "source": source,
           "voice_url": voice_url, "created_at": now, "status_at": now, "provider_id": None, "error": None}
    if getattr(adapter, "external", False):
        return {**row, "status": "pending", "adapter": adapter.name, "next_attempt_at": now}
    delivery = adapter.deliver(Message(channel=channel, to=to, body=body, voice_url=voice_url, subject=subject))
    return {**row, "status": delivery.status, "adapter": delivery.adapter, "provider_id": delivery.provider_id,
            "error": delivery.error, "next_attempt_at": None}


def send(session: Session, notifier: Notifier, **message) -> OutboxMessage:
    """Record one message (`deliver`'s arguments). The caller owns the transaction (it commits)."""
    row = OutboxMessage(**deliver(notifier, **message))
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


def store(session: Session, rows: list[dict], notifier: Notifier) -> dict[str, int]:
    """Record messages (`deliver`'s rows) in one INSERT; returns {source: id}. Does not commit; the pending ones
    go to their provider after the caller's commit."""
    if not rows:
        return {}
    table = OutboxMessage.__table__
    ids = dict(session.execute(sa.insert(table).values(rows).returning(table.c.source, table.c.id)).all())
    for row in rows:
        if row["status"] == "pending":
            deliver_after_commit(session, notifier, ids[row["source"]])
    return ids


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
