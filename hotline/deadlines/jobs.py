"""Clock jobs: mark deadlines missed when they pass unmet, and send due reminders exactly once.

Each row is handled in its own short transaction: lock it (FOR UPDATE SKIP LOCKED on PostgreSQL, so a
second clock skips it), claim it with a conditional UPDATE (the one winner, on SQLite too), act, record,
commit. A crash before the commit rolls the claim back with the rest, so the row is done again later;
with the outbox adapter nothing is then lost or repeated (with Twilio, a crash between the provider's
answer and our commit can repeat that one message).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.cases.models import Case
from hotline.db import claim, lock_due, utcnow
from hotline.deadlines.models import Deadline, Reminder
from hotline.deadlines.service import record_missed
from hotline.formatting import duration, jst
from hotline.outbox.service import send
from workflows.deadlines import LABELS, LABELS_JA

BATCH = 500
ROLE_JA = {"coordinator": "コーディネーター", "contact": "被保険者の窓口"}


def _engine(app: Flask):
    return app.extensions["hotline.engine"]


def mark_missed(app: Flask, *, now: dt.datetime | None = None) -> int:
    """Open deadlines whose due_at has passed unmet become missed (audit: deadline_missed)."""
    now = now or utcnow()
    done = 0
    with Session(_engine(app), expire_on_commit=False) as session:
        ids = session.exec(select(Deadline.id).where(Deadline.status == "open", Deadline.due_at <= now)
                           .order_by(Deadline.due_at).limit(BATCH)).all()
        for deadline_id in ids:
            row = session.exec(lock_due(select(Deadline).where(Deadline.id == deadline_id,
                                                               Deadline.status == "open"))).first()
            changed = row is not None and session.execute(
                sa.update(Deadline).where(Deadline.id == deadline_id, Deadline.status == "open")
                .values(status="missed", updated_at=now)).rowcount == 1
            if changed:
                record_missed(session, row, actor="clock", at=now, old="open", new="missed")
                done += 1
            session.commit()
    return done


def _left_ja(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"あと{hours // 24}日{hours % 24}時間" if hours >= 24 else f"あと{max(hours, 0)}時間{int(delta.total_seconds() % 3600 // 60)}分"


def reminder_body(case: Case, deadline: Deadline, now: dt.datetime, base_url: str) -> str:
    when = f"{deadline.last_day.isoformat()} 24:00" if deadline.last_day else jst(deadline.due_at)
    return (f"【hotline】{case.reference} {LABELS_JA[deadline.kind]}の期限: {when} JST"
            f"（{_left_ja(deadline.due_at - now)}）。{base_url.rstrip('/')}/cases/{case.reference}")


def send_reminders(app: Flask, *, now: dt.datetime | None = None) -> int:
    """Send every pending reminder whose send_at has come, once. Found later than REMINDER_GRACE after its
    send time (the clock was down): skipped with the reason, never silently dropped."""
    now = now or utcnow()
    grace: dt.timedelta = app.config["REMINDER_GRACE"]
    notifier = None
    done = 0
    with Session(_engine(app), expire_on_commit=False) as session:
        ids = session.exec(select(Reminder.id).where(Reminder.status == "pending", Reminder.send_at <= now)
                           .order_by(Reminder.send_at).limit(BATCH)).all()
        for reminder_id in ids:
            r = session.exec(lock_due(select(Reminder).where(Reminder.id == reminder_id,
                                                             Reminder.status == "pending"))).first()
            if r is None or not claim(session, Reminder, r.id, column="claimed_at", value=now):
                session.rollback()  # another clock has it
                continue
            deadline, case = session.get(Deadline, r.deadline_id), session.get(Case, r.case_id)
            late = now - r.send_at
            why = None
            if late > grace:
                why = f"found {duration(late)} after its send time, beyond REMINDER_GRACE ({duration(grace)})"
            elif case.status != "open":
                why = "the case is closed"
            elif deadline.status != "open" or deadline.due_at != r.for_due_at:
                why = f"the deadline is {deadline.status} or moved"
            if why:
                session.execute(sa.update(Reminder).where(Reminder.id == r.id)
                                .values(status="skipped", reason=why))
            else:
                notifier = notifier or app.extensions["hotline.notifier"]
                msg = send(session, notifier, channel=r.channel, to=r.recipient, case_id=r.case_id,
                           source=f"reminder:{r.id}",
                           body=reminder_body(case, deadline, now, app.config["PUBLIC_BASE_URL"]))
                session.execute(sa.update(Reminder).where(Reminder.id == r.id)
                                .values(status="sent", sent_at=now, outbox_id=msg.id))
                record(session, actor="clock", kind="reminder_sent", entity="reminder", entity_id=r.id,
                       case_id=r.case_id, field=deadline.kind, new=r.recipient_role,
                       summary=f"Reminder ({r.offset_label} before) for {LABELS[deadline.kind]} sent to the "
                               f"{r.recipient_role} by {msg.adapter} ({msg.status})",
                       summary_ja=f"{LABELS_JA[deadline.kind]}のリマインダー（{r.offset_label}前）を"
                                  f"{ROLE_JA.get(r.recipient_role, r.recipient_role)}へ送信（{msg.adapter}）", at=now)
            session.commit()
            done += 1
    return done
