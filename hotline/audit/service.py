"""Writing to the audit log. Services call `record` inside their own transaction, with the event's kind and
its parameters (values, names, Texts: workflows.text.to_json makes them JSON); the sentence is rendered
when read (hotline/timeline/render.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from hotline.audit.models import AuditEvent
from hotline.db import utcnow
from workflows.text import to_json

# What the hotline's staff write for themselves is internal unless written as shared: notes and logged calls, the
# brief sent to a vendor, a dispatch sent despite the policy's warnings (issue 14).
INTERNAL_BY_DEFAULT = frozenset({"note_added", "call_logged", "vendor_dispatched", "warnings_overridden"})


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


def event_row(*, actor: Any, kind: str, entity: str, entity_id: int | None = None, case_id: int | None = None,
              params: dict | None = None, field: str | None = None, old: Any = None, new: Any = None,
              at: dt.datetime | None = None, internal: bool | None = None) -> dict:
    """One event as a row of the audit table. `params` holds what its sentence needs beyond field/old/new; never
    a sentence itself. `internal`: for staff only; by default, the kinds of INTERNAL_BY_DEFAULT are."""
    return {"at": at or utcnow(), "case_id": case_id, "entity": entity, "entity_id": entity_id, "kind": kind,
            "params": {k: to_json(v) for k, v in (params or {}).items() if v is not None},
            "field": field, "old": _text(old), "new": _text(new),
            "internal": kind in INTERNAL_BY_DEFAULT if internal is None else internal, **actor_fields(actor)}


def record(session: Session, **event) -> AuditEvent:
    """Add one event (`event_row`'s arguments) to the caller's unit of work."""
    row = AuditEvent(**event_row(**event))
    session.add(row)
    return row
