"""The case timeline is the append-only audit log filtered by case; notes and calls are written to it. Reading
it in a language is hotline/timeline/render.py."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.models import AuditEvent
from hotline.audit.service import record
from hotline.auth.models import Role
from hotline.cases.models import Case, require_open
from hotline.errors import Invalid
from workflows.metrics import case_metrics
from workflows.text import N_

NOTE_KINDS = {"note": "note_added", "call": "call_logged"}


# What an insured reads of their case's timeline: what happened to the case, its deadlines, phases, costs and
# receipts, the vendors engaged and the messages. Never the hotline's internal working: notes and logged calls,
# dispatch briefs, warning overrides, the steps of a vendor search, reminders, checklist tasks.
INSURED_KINDS = frozenset({
    "case_opened", "fact_changed", "deadline_changed", "deadline_met", "deadline_missed", "phase_started",
    "phase_completed", "phase_skipped", "case_closed", "cost_recorded", "cost_changed", "cost_removed",
    "consent_recorded", "receipt_added", "vendor_accepted", "dispatch_released", "message_posted"})


# Written by staff and internal by default (hotline/audit/service.py INTERNAL_BY_DEFAULT): an insured reads one only
# when it was written as shared.
SHAREABLE_KINDS = frozenset({"note_added"})


def _insured(reader) -> bool:
    return getattr(reader, "role", None) is Role.insured


def insured_may_read():
    """The SQL condition of what an insured reads: INSURED_KINDS unless marked internal, and shared notes. A row
    from before the flag (NULL) is read by its kind alone."""
    return sa.or_(sa.and_(AuditEvent.kind.in_(sorted(INSURED_KINDS)), AuditEvent.internal.is_not(True)),
                  sa.and_(AuditEvent.kind.in_(sorted(SHAREABLE_KINDS)), AuditEvent.internal.is_(False)))


def case_timeline(session: Session, case_id: int, *, kinds: list[str] | None = None, reader=None,
                  insured_view: bool = False) -> list[AuditEvent]:
    """Oldest first; ties keep the order they were written in. An insured `reader`, or `insured_view` (what an
    insured sees, e.g. staff looking at the insured's page), gets what `insured_may_read` only."""
    query = select(AuditEvent).where(AuditEvent.case_id == case_id)
    if kinds:
        query = query.where(AuditEvent.kind.in_(kinds))
    if insured_view or _insured(reader):
        query = query.where(insured_may_read())
    return list(session.exec(query.order_by(AuditEvent.at, AuditEvent.id)))


def kinds_present(session: Session, case_id: int, *, reader=None) -> list[str]:
    query = select(AuditEvent.kind).where(AuditEvent.case_id == case_id)
    if _insured(reader):
        query = query.where(insured_may_read())
    return sorted(session.exec(query.distinct()))


def add_note(session: Session, case: Case, *, kind: str, text: str, at: dt.datetime | None = None,
             actor=None, internal: bool = True) -> AuditEvent:
    """A note or a logged call on the case: one timeline event, nothing else; commits. Internal unless written
    as shared (`internal=False`: a note the case's insureds read; a logged call is always internal)."""
    if kind not in NOTE_KINDS:
        raise Invalid({"kind": "one of note, call"})
    if not text.strip():
        raise Invalid({"text": N_("the note is empty")})
    require_open(case)
    event = record(session, actor=actor, kind=NOTE_KINDS[kind], entity="case", entity_id=case.id, case_id=case.id,
                   params={"text": text.strip()}, at=at, internal=internal or NOTE_KINDS[kind] not in SHAREABLE_KINDS)
    session.commit()
    return event


def metrics_for_cases(session: Session, cases: list[Case]) -> dict[int, dict]:
    """Per-case metrics (workflows.metrics) for many cases with one query for their events."""
    ids = [c.id for c in cases]
    events: dict[int, list[AuditEvent]] = {i: [] for i in ids}
    if ids:
        rows = session.exec(select(AuditEvent).where(AuditEvent.case_id.in_(ids),
                                                     AuditEvent.kind.in_(("phase_started", "phase_completed",
                                                                          "task_done"))))
        for e in rows:
            events[e.case_id].append(e)
    return {c.id: case_metrics(events[c.id], discovered_at=c.first_discovered_at, reported_at=c.reported_at)
            for c in cases}
