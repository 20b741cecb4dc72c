"""Sending a message: it is always recorded in the outbox, then handed to the configured notifier."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.db import utcnow
from hotline.outbox.models import OutboxMessage
from vendors.notifier import Message, Notifier


def deliver(notifier: Notifier, *, channel: str, to: str, body: str, case_id: int | None = None,
            source: str | None = None, voice_url: str | None = None, subject: str | None = None) -> dict:
    """Hand one message to the notifier; returns its outbox row (not yet stored: `send` or `store` does it)."""
    delivery = notifier.deliver(Message(channel=channel, to=to, body=body, voice_url=voice_url, subject=subject))
    return {"channel": channel, "to": to, "subject": subject, "body": body, "status": delivery.status,
            "adapter": delivery.adapter, "provider_id": delivery.provider_id, "error": delivery.error,
            "case_id": case_id, "source": source, "created_at": utcnow()}


def send(session: Session, notifier: Notifier, **message) -> OutboxMessage:
    """Deliver one message (`deliver`'s arguments) and record it. The caller owns the transaction (it commits)."""
    row = OutboxMessage(**deliver(notifier, **message))
    session.add(row)
    session.flush()
    return row


def store(session: Session, rows: list[dict]) -> dict[str, int]:
    """Record delivered messages (`deliver`'s rows) in one INSERT; returns {source: id}. Does not commit."""
    if not rows:
        return {}
    table = OutboxMessage.__table__
    return dict(session.execute(sa.insert(table).values(rows).returning(table.c.source, table.c.id)).all())


def stays_in_outbox(notifier: Notifier, channel: str) -> bool:
    """Whether a message of `channel` only becomes a row (nothing leaves the building): then sending commits
    with the rest, and a rolled-back batch has sent nothing."""
    adapter = notifier.adapter_for(channel) if hasattr(notifier, "adapter_for") else notifier
    return getattr(adapter, "name", None) == "outbox"


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
