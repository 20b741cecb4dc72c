"""Demo step: put the intake engineer's demo cases at different points of the response process."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from hotline.cases.models import Case
from hotline.db import utcnow
from hotline.phases import service
from hotline.phases.models import CasePhase

# Per demo case (in id order): the moves to make, each (phase, action, reason, hours after the hotline call).
SCRIPTS = [
    [("intake", "complete", None, 1), ("initial_response", "start", None, 1)],
    [("intake", "complete", None, 1), ("initial_response", "start", None, 1),
     ("initial_response", "complete", None, 20), ("investigation", "start", None, 20),
     ("call_center", "skip", "被害者がいないため問い合わせ窓口は不要 / no victims to answer", 22),
     ("pr_reporting", "start", None, 24)],
]


def load(session: Session, orgs, users) -> None:
    coordinator = users.get("coordinator")
    cases = list(session.exec(select(Case).where(Case.status == "open").order_by(Case.id)))
    for case, script in zip(cases, SCRIPTS, strict=False):
        intake = session.exec(select(CasePhase).where(CasePhase.case_id == case.id, CasePhase.key == "intake")).one()
        if intake.status != "active":
            continue  # already moved on: loading twice adds nothing
        for key, action, reason, hours in script:
            at = min(utcnow(), case.reported_at + dt.timedelta(hours=hours))
            if action == "complete":  # a phase is completed once its checklist is worked through
                for task in service.case_tasks(session, case.id):
                    if task.phase_key == key and task.status == "open":
                        service.complete_task(session, case, task.id, actor=coordinator, now=at)
            service.move_phase(session, case, key, action, reason=reason, actor=coordinator, now=at)
        if ("investigation", "start") in [(k, a) for k, a, _reason, _hours in script]:
            containment = next(t for t in service.case_tasks(session, case.id) if t.template_key == "containment")
            service.complete_task(session, case, containment.id, actor=coordinator,
                                  now=min(utcnow(), case.reported_at + dt.timedelta(hours=30)))
