"""The case timeline is the append-only audit log filtered by case; notes and calls are written to it. Reading
it in a language is hotline/timeline/render.py."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from hotline.audit.models import AuditEvent
from hotline.audit.service import record
from hotline.cases.models import Case
from hotline.errors import Invalid
from workflows.metrics import case_metrics
from workflows.text import N_

NOTE_KINDS = {"note": "note_added", "call": "call_logged"}


def case_timeline(session: Session, case_id: int, *, kinds: list[str] | None = None) -> list[AuditEvent]:
    """Oldest first; ties keep the order they were written in."""
    query = select(AuditEvent).where(AuditEvent.case_id == case_id)
    if kinds:
        query = query.where(AuditEvent.kind.in_(kinds))
    return list(session.exec(query.order_by(AuditEvent.at, AuditEvent.id)))


def kinds_present(session: Session, case_id: int) -> list[str]:
    return sorted(session.exec(select(AuditEvent.kind).where(AuditEvent.case_id == case_id).distinct()))


def add_note(session: Session, case: Case, *, kind: str, text: str, at: dt.datetime | None = None,
             actor=None) -> AuditEvent:
    """A note or a logged call on the case: one timeline event, nothing else."""
    if kind not in NOTE_KINDS:
        raise Invalid({"kind": "one of note, call"})
    if not text.strip():
        raise Invalid({"text": N_("the note is empty")})
    event = record(session, actor=actor, kind=NOTE_KINDS[kind], entity="case", entity_id=case.id, case_id=case.id,
                   params={"text": text.strip()}, at=at)
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
