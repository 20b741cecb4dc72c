"""Writing to the audit log. Services call `record` inside their own transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from hotline.audit.models import AuditEvent
from hotline.db import utcnow


def actor_fields(actor: Any) -> dict:
    """A user object, a system name such as 'clock', or None."""
    if actor is None:
        return {"actor_id": None, "actor": None}
    if isinstance(actor, str):
        return {"actor_id": None, "actor": actor}
    return {"actor_id": actor.id, "actor": actor.label}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        from hotline.formatting import iso

        return iso(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))


def record(session: Session, *, actor: Any, kind: str, entity: str, entity_id: int | None = None,
           case_id: int | None = None, summary: str = "", summary_ja: str | None = None,
           field: str | None = None, old: Any = None, new: Any = None, at: dt.datetime | None = None) -> AuditEvent:
    event = AuditEvent(at=at or utcnow(), case_id=case_id, entity=entity, entity_id=entity_id, kind=kind,
                       summary=summary, summary_ja=summary_ja, field=field, old=_text(old), new=_text(new),
                       **actor_fields(actor))
    session.add(event)
    return event
