"""Reminders before each open deadline: scheduled whenever the deadlines move (deadlines.service.recompute
calls `schedule`; intake writes `planned` with the case), and sent by the clock exactly once (`send_due`).

The clock claims due rows in batches, one transaction each (`send_batch`): lock them (FOR UPDATE SKIP LOCKED on
PostgreSQL, so a second clock takes others), claim them with one conditional UPDATE (the one winner, on SQLite
too), send, record, commit. A crash before the commit rolls the claims back with the rest, so the batch is done
again later; with the outbox adapter nothing is then lost or repeated. With Twilio a batch is one message, so a
crash between the provider's answer and our commit can repeat that one message.
"""
from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.models import AuditEvent
from hotline.audit.service import event_row
from hotline.auth.models import User
from hotline.cases.models import Case
from hotline.db import lock_due
from hotline.deadlines.models import Deadline, Reminder
from hotline.i18n import DEFAULT_MESSAGE_LANGUAGE, deadline_view, render
from hotline.outbox.service import deliver, stays_in_outbox, store
from vendors.notifier import Notifier
from workflows.deadlines import label as deadline_label
from workflows.text import N_, Text


def recipients(case: Case, coordinator: User | None) -> list[tuple[str, str]]:
    """(role, E.164 phone) of whom a case's reminders go to: its active coordinator, its insured contact."""
    if case.status != "open":
        return []
    out = []
    if coordinator is not None and coordinator.is_active and coordinator.phone:
        out.append(("coordinator", coordinator.phone))
    if case.contact_phone:
        out.append(("contact", case.contact_phone))
    return out


def planned(open_deadlines: list[tuple[object, dt.datetime]], to: list[tuple[str, str]], *, now: dt.datetime,
            offsets: list[tuple[str, dt.timedelta]]) -> dict[tuple, tuple[str, dt.datetime]]:
    """The reminders the deadlines call for: {(deadline key, offset label, phone, due_at): (role, send_at)}, one per
    (open deadline, offset, recipient) whose send time is still ahead. Pure: `open_deadlines` is [(key, due_at)]
    with any key (a row id, or a kind before the rows exist), `to` is `recipients(...)`.

    Send times already past when a deadline becomes known are not all sent late: only the nearest one is,
    at once, so the coordinator and the insured hear of an urgent deadline (e.g. GDPR with 3 hours left)
    without a burst of stale messages. Its key is that offset, so it goes out once.
    """
    wanted: dict[tuple, tuple[str, dt.datetime]] = {}
    for key, due_at in open_deadlines:
        passed = []
        for label, delta in offsets:
            send_at = due_at - delta
            if send_at <= now:
                passed.append((delta, label))
                continue
            for role, phone in to:
                wanted[(key, label, phone, due_at)] = (role, send_at)
        if passed and due_at > now:
            label = min(passed)[1]  # the smallest offset: the reminder nearest to the deadline
            for role, phone in to:
                wanted[(key, label, phone, due_at)] = (role, now)
    return wanted


def rows(wanted: dict[tuple, tuple[str, dt.datetime]], *, now: dt.datetime, case_id: int | None = None) -> list[dict]:
    """`planned` as rows of the reminder table (the key in `deadline_id`)."""
    return [{"deadline_id": key, "case_id": case_id, "offset_label": label, "for_due_at": due_at, "send_at": send_at,
             "recipient": phone, "recipient_role": role, "channel": "sms", "status": "pending", "created_at": now}
            for (key, label, phone, due_at), (role, send_at) in wanted.items()]


def schedule(session: Session, case: Case, open_deadlines: list[tuple[int, dt.datetime]], *,
             now: dt.datetime, offsets: list[tuple[str, dt.timedelta]], fresh: bool = False) -> None:
    """One pending reminder per (open deadline, offset, recipient) whose send time is still ahead (`planned`).

    `open_deadlines` is [(deadline id, due_at)]. Pending reminders that no longer fit (the deadline moved, was
    met, stopped applying, or the recipient changed) are deleted and replaced; sent and skipped ones stay.
    """
    coordinator = session.get(User, case.coordinator_id) if case.coordinator_id else None
    wanted = planned(open_deadlines, recipients(case, coordinator), now=now, offsets=offsets)
    stale = []
    if not fresh:
        table = Reminder.__table__
        for rid, did, label, phone, due_at, status in session.execute(
                sa.select(table.c.id, table.c.deadline_id, table.c.offset_label, table.c.recipient,
                          Reminder.for_due_at, table.c.status).where(table.c.case_id == case.id)):
            key = (did, label, phone, due_at)
            if key in wanted:
                wanted.pop(key)
            elif status == "pending":
                stale.append(rid)
    if stale:  # conditional: a row the clock has just claimed is not deleted
        session.execute(sa.delete(Reminder).where(Reminder.id.in_(stale), Reminder.status == "pending",
                                                  Reminder.claimed_at.is_(None)))
    if wanted:
        session.execute(sa.insert(Reminder.__table__), rows(wanted, now=now, case_id=case.id))


def of_case(session: Session, case_id: int) -> list[Reminder]:
    return list(session.exec(select(Reminder).where(Reminder.case_id == case_id)
                             .order_by(Reminder.send_at, Reminder.id)))


def body(case: Case, deadline: Deadline, now: dt.datetime, base_url: str, lang: str) -> str:
    """The SMS, in the recipient's language, with the deadline as every page shows it."""
    view = deadline_view(deadline, lang, now)
    return render(Text(N_("[hotline] %(reference)s %(deadline)s: %(when)s (%(left)s). %(link)s"),
                       reference=case.reference, deadline=deadline_label(deadline.kind), when=view.when, left=view.left,
                       link=f"{base_url.rstrip('/')}/cases/{case.reference}"), lang)


def recipient_language(case: Case, coordinator: User | None, reminder: Reminder) -> str:
    """The coordinator's chosen language; the insured contact's as the case says (Japanese unless it says
    otherwise)."""
    if reminder.recipient_role == "contact":
        return case.contact_language or DEFAULT_MESSAGE_LANGUAGE
    return (coordinator.language if coordinator is not None and coordinator.language else None) \
        or DEFAULT_MESSAGE_LANGUAGE


def why_not(r: Reminder, deadline: Deadline, case: Case, *, now: dt.datetime, grace: dt.timedelta) -> str | None:
    """Why a due reminder is skipped instead of sent (found later than `grace` after its send time because the
    clock was down, the case closed, the deadline met or moved), or None: send it."""
    late = now - r.send_at
    if late > grace:
        return f"found {late} after its send time, beyond REMINDER_GRACE ({grace})"
    if case.status != "open":
        return "the case is closed"
    if deadline.status != "open" or deadline.due_at != r.for_due_at:
        return f"the deadline is {deadline.status} or moved"
    return None


BATCH = 500  # reminders claimed, sent and recorded per transaction (when the messages stay in the outbox)
RUN_SECONDS = 20.0  # a run stops starting batches after this, so the clock can stop; the next run goes on


def send_due(session: Session, *, now: dt.datetime, notifier: Notifier, grace: dt.timedelta, base_url: str,
             batch: int = BATCH) -> int:
    """Send every reminder due at `now`, exactly once, a batch at a time; returns how many were handled (sent or
    skipped). Each batch is one transaction (`send_batch`). Messages that leave the building (Twilio) go one per
    transaction, so a crash between the provider's answer and our commit can repeat at most that one message."""
    size = batch if stays_in_outbox(notifier, "sms") else 1
    done, stop = 0, time.monotonic() + RUN_SECONDS
    while time.monotonic() < stop:
        handled = send_batch(session, now=now, notifier=notifier, grace=grace, base_url=base_url, size=size)
        if handled is None:
            break
        done += handled
    return done


def send_batch(session: Session, *, now: dt.datetime, notifier: Notifier, grace: dt.timedelta, base_url: str,
               size: int) -> int | None:
    """Claim up to `size` due reminders, oldest first, send or skip each, record it all; commits. None when nothing
    is due.

    The rows are locked with FOR UPDATE SKIP LOCKED (PostgreSQL: a second clock takes other rows) and claimed with
    one conditional UPDATE (`claimed_at` still NULL: the one winner, on SQLite too). Sent: its outbox row, the
    reminder marked sent, the audit entry; skipped: the reason. A crash before the commit rolls the claims back
    with the rest, so the batch is done again later, and nothing of it was sent (outbox) or one message was."""
    table = Reminder.__table__
    rows = session.execute(lock_due(
        sa.select(Reminder, Deadline, Case, User).join(Deadline, Deadline.id == Reminder.deadline_id)
        .join(Case, Case.id == Reminder.case_id).outerjoin(User, User.id == Case.coordinator_id)
        .where(Reminder.status == "pending", Reminder.send_at <= now).order_by(Reminder.send_at).limit(size),
        of=table)).all()
    if not rows:
        session.rollback()
        return None
    won = set(session.execute(sa.update(table).where(table.c.id.in_([r.id for r, *_ in rows]),
                                                     table.c.status == "pending", table.c.claimed_at.is_(None))
                              .values(claimed_at=now).returning(table.c.id)).scalars())
    skipped, sent, messages, events = [], [], [], []
    for r, deadline, case, coordinator in rows:
        if r.id not in won:
            continue  # another clock has it
        why = why_not(r, deadline, case, now=now, grace=grace)
        if why:
            skipped.append({"rid": r.id, "why": why})
            continue
        text = body(case, deadline, now, base_url, recipient_language(case, coordinator, r))
        message = deliver(notifier, channel=r.channel, to=r.recipient, case_id=r.case_id, source=f"reminder:{r.id}",
                          body=text)
        messages.append(message)
        sent.append(r)
        events.append(event_row(actor="clock", kind="reminder_sent", entity="reminder", entity_id=r.id,
                                case_id=r.case_id, field=deadline.kind, new=r.recipient_role, at=now,
                                params={"offset": r.offset_label, "adapter": message["adapter"],
                                        "status": message["status"]}))
    rid, bp = table.c.id == sa.bindparam("rid"), sa.bindparam
    if skipped:
        session.execute(sa.update(table).where(rid).values(status="skipped", reason=bp("why")), skipped)
    if sent:
        outbox_ids = store(session, messages)
        session.execute(sa.update(table).where(rid).values(status="sent", sent_at=now, outbox_id=bp("oid")),
                        [{"rid": r.id, "oid": outbox_ids[f"reminder:{r.id}"]} for r in sent])
        session.execute(sa.insert(AuditEvent.__table__), events)
    session.commit()
    session.expunge_all()  # a long run keeps no objects
    return len(won)
