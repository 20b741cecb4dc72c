"""Clock job: remind the owner of each overdue task once (like the deadline reminders)."""
from __future__ import annotations

from flask import Flask
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.auth.models import User
from hotline.cases.models import Case
from hotline.db import claim, lock_due, utcnow
from hotline.formatting import jst
from hotline.outbox.service import send
from hotline.phases.models import CaseTask


def _recipient(session: Session, task: CaseTask, case: Case) -> tuple[str, str] | None:
    """(channel, address): the task's owner, else the case's coordinator; SMS when they have a phone."""
    for user_id in (task.owner_id, case.coordinator_id):
        user = session.get(User, user_id) if user_id else None
        if user is not None and user.is_active:
            return ("sms", user.phone) if user.phone else ("email", user.email)
    return None


def remind_overdue_tasks(app: Flask) -> int:
    """Claim each open, overdue, not yet reminded task of an open case and send one reminder for it."""
    now = utcnow()
    sent = 0
    notifier = app.extensions["hotline.notifier"]
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
        due = session.exec(lock_due(
            select(CaseTask.id)
            .where(CaseTask.status == "open", CaseTask.due_at.is_not(None), CaseTask.due_at <= now,
                   CaseTask.reminded_at.is_(None),
                   CaseTask.case_id.in_(select(Case.id).where(Case.status == "open")))
            .order_by(CaseTask.due_at).limit(100))).all()
        for task_id in due:
            if not claim(session, CaseTask, task_id, column="reminded_at", value=now):
                session.rollback()
                continue  # another clock took it
            task = session.get(CaseTask, task_id)
            case = session.get(Case, task.case_id)
            target = _recipient(session, task, case)
            body = f"[{case.reference}] 期限超過のタスク / Overdue task: {task.title_ja} / {task.title_en} " \
                   f"(期限 due {jst(task.due_at)} JST)"
            if target is not None:
                send(session, notifier, channel=target[0], to=target[1], body=body, case_id=case.id,
                     source=f"task:{task.id}")
            record(session, actor="clock", kind="reminder_sent", entity="case_task", entity_id=task.id,
                   case_id=case.id, field=task.template_key or "task",
                   summary=(f"Overdue task reminder sent to {target[1]}: {task.title_en}" if target else
                            f"Overdue task, nobody to remind (no owner or coordinator): {task.title_en}"),
                   summary_ja=(f"期限超過タスクのリマインダーを送信：{task.title_ja}" if target else
                               f"期限超過タスク（送信先なし：担当者・コーディネーター未設定）：{task.title_ja}"))
            session.commit()
            sent += 1
    return sent
