"""Reminders before each open deadline: scheduled whenever the deadlines move (deadlines.service.recompute
calls `schedule`), and sent by the clock exactly once (`due`, then `send` for each).

`send` handles one row in its own transaction: lock it (FOR UPDATE SKIP LOCKED on PostgreSQL, so a second clock
skips it), claim it with a conditional UPDATE (the one winner, on SQLite too), act, record, commit. A crash
before the commit rolls the claim back with the rest, so the row is done again later; with the outbox adapter
nothing is then lost or repeated (with Twilio, a crash between the provider's answer and our commit can
repeat that one message).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.auth.models import User
from hotline.cases.models import Case
from hotline.db import claim, lock_due
from hotline.deadlines.models import Deadline, Reminder
from hotline.i18n import DEFAULT_MESSAGE_LANGUAGE, deadline_view, render
from hotline.outbox.service import send as send_message
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


def due(session: Session, *, now: dt.datetime, limit: int = 500) -> list[int]:
    """Ids of the pending reminders whose send time has come, oldest first."""
    return list(session.exec(select(Reminder.id).where(Reminder.status == "pending", Reminder.send_at <= now)
                             .order_by(Reminder.send_at).limit(limit)))


def body(case: Case, deadline: Deadline, now: dt.datetime, base_url: str, lang: str) -> str:
    """The SMS, in the recipient's language, with the deadline as every page shows it."""
    view = deadline_view(deadline, lang, now)
    return render(Text(N_("[hotline] %(reference)s %(deadline)s: %(when)s (%(left)s). %(link)s"),
                       reference=case.reference, deadline=deadline_label(deadline.kind), when=view.when, left=view.left,
                       link=f"{base_url.rstrip('/')}/cases/{case.reference}"), lang)


def recipient_language(session: Session, case: Case, reminder: Reminder) -> str:
    """The coordinator's chosen language; the insured contact's as the case says (Japanese unless it says
    otherwise)."""
    if reminder.recipient_role == "contact":
        return case.contact_language or DEFAULT_MESSAGE_LANGUAGE
    user = session.get(User, case.coordinator_id) if case.coordinator_id else None
    return (user.language if user is not None and user.language else None) or DEFAULT_MESSAGE_LANGUAGE


def send(session: Session, reminder_id: int, *, now: dt.datetime, notifier: Notifier, grace: dt.timedelta,
         base_url: str) -> bool:
    """Send one due reminder, once; commits. Found later than `grace` after its send time (the clock was down):
    skipped with the reason, never silently dropped. False when another clock has it."""
    r = session.exec(lock_due(select(Reminder).where(Reminder.id == reminder_id,
                                                     Reminder.status == "pending"))).first()
    if r is None or not claim(session, Reminder, r.id, column="claimed_at", value=now):
        session.rollback()  # another clock has it
        return False
    deadline, case = session.get(Deadline, r.deadline_id), session.get(Case, r.case_id)
    late = now - r.send_at
    why = None
    if late > grace:
        why = f"found {late} after its send time, beyond REMINDER_GRACE ({grace})"
    elif case.status != "open":
        why = "the case is closed"
    elif deadline.status != "open" or deadline.due_at != r.for_due_at:
        why = f"the deadline is {deadline.status} or moved"
    if why:
        session.execute(sa.update(Reminder).where(Reminder.id == r.id).values(status="skipped", reason=why))
    else:
        lang = recipient_language(session, case, r)
        msg = send_message(session, notifier, channel=r.channel, to=r.recipient, case_id=r.case_id,
                           source=f"reminder:{r.id}", body=body(case, deadline, now, base_url, lang))
        session.execute(sa.update(Reminder).where(Reminder.id == r.id)
                        .values(status="sent", sent_at=now, outbox_id=msg.id))
        record(session, actor="clock", kind="reminder_sent", entity="reminder", entity_id=r.id,
               case_id=r.case_id, field=deadline.kind, new=r.recipient_role,
               params={"offset": r.offset_label, "adapter": msg.adapter, "status": msg.status}, at=now)
    session.commit()
    return True
