"""The case timeline is the append-only audit log filtered by case; notes and calls are written to it. Reading
it in a language is hotline/timeline/render.py."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from hotline.audit.models import AuditEvent
from hotline.audit.service import record
from hotline.auth.models import Role
from hotline.cases.models import Case
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


def _insured(reader) -> bool:
    return getattr(reader, "role", None) is Role.insured


def case_timeline(session: Session, case_id: int, *, kinds: list[str] | None = None,
                  reader=None) -> list[AuditEvent]:
    """Oldest first; ties keep the order they were written in. An insured `reader` gets INSURED_KINDS only."""
    query = select(AuditEvent).where(AuditEvent.case_id == case_id)
    if kinds:
        query = query.where(AuditEvent.kind.in_(kinds))
    if _insured(reader):
        query = query.where(AuditEvent.kind.in_(sorted(INSURED_KINDS)))
    return list(session.exec(query.order_by(AuditEvent.at, AuditEvent.id)))


def kinds_present(session: Session, case_id: int, *, reader=None) -> list[str]:
    kinds = sorted(session.exec(select(AuditEvent.kind).where(AuditEvent.case_id == case_id).distinct()))
    if _insured(reader):
        kinds = [k for k in kinds if k in INSURED_KINDS]
    return kinds


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
