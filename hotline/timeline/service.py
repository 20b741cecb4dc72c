"""The case timeline is the append-only audit log filtered by case; notes and calls are written to it."""
from __future__ import annotations

import csv
import datetime as dt
import io

from sqlmodel import Session, select

from hotline.audit.models import AuditEvent
from hotline.audit.service import record
from hotline.cases.models import Case
from hotline.errors import Invalid
from hotline.formatting import iso
from workflows.metrics import case_metrics

COLUMNS = ("at", "actor", "kind", "summary", "field", "old", "new")
NOTE_KINDS = {"note": "note_added", "call": "call_logged"}


def case_timeline(session: Session, case_id: int, *, kinds: list[str] | None = None) -> list[AuditEvent]:
    """Oldest first; ties keep the order they were written in."""
    query = select(AuditEvent).where(AuditEvent.case_id == case_id)
    if kinds:
        query = query.where(AuditEvent.kind.in_(kinds))
    return list(session.exec(query.order_by(AuditEvent.at, AuditEvent.id)))


def kinds_present(session: Session, case_id: int) -> list[str]:
    return sorted(session.exec(select(AuditEvent.kind).where(AuditEvent.case_id == case_id).distinct()))


def event_json(e: AuditEvent) -> dict:
    return {"at": iso(e.at), "actor": e.actor, "kind": e.kind, "summary": e.summary, "field": e.field,
            "old": e.old, "new": e.new}


def to_csv(events: list[AuditEvent]) -> str:
    """UTF-8 with a BOM so that Excel in Japan opens Japanese text correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for e in events:
        row = event_json(e)
        writer.writerow(["" if row[c] is None else _safe(row[c]) for c in COLUMNS])
    return out.getvalue()


def _safe(value: str) -> str:
    """No spreadsheet formulas from user text (CSV injection)."""
    if value[:1] in ("=", "+", "-", "@"):
        try:
            float(value)  # a plain signed number stays as it is
        except ValueError:
            return "'" + value
    return value


def add_note(session: Session, case: Case, *, kind: str, text: str, at: dt.datetime | None = None,
             actor=None) -> AuditEvent:
    """A note or a logged call on the case: one timeline event, nothing else."""
    if kind not in NOTE_KINDS:
        raise Invalid({"kind": "one of note, call"})
    if not text.strip():
        raise Invalid({"text": "the note is empty"})
    event = record(session, actor=actor, kind=NOTE_KINDS[kind], entity="case", entity_id=case.id, case_id=case.id,
                   summary=text.strip(), at=at)
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
