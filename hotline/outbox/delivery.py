"""Handing messages to a provider (Twilio, SMTP) once per attempt, recording what it says, retrying what failed and
raising to a person what cannot be delivered.

Once: `outbox.service.send` only commits a `pending` row. After that commit (an `after_commit` hook on the
session), or later by the clock, `deliver_one` claims the row with a conditional update to `sending` and commits
the claim *before* the provider is called. A crash during the call leaves the row `sending`: it is never handed
over again; the clock raises it to a person after `DELIVERY_STUCK_MINUTES` (the provider may or may not have it).

Retries: a reminder's or a dispatch's SMS that fails (Twilio refuses it, or its status callback says failed or
undelivered) is handed over again after each delay of `DELIVERY_RETRY_DELAYS`, while it is still needed (the case
is open; the vendor is still the one being asked). When they are used up it is raised to a person: the case's
timeline, the coordinators' dashboard and the Outbox page, until someone marks it handled.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.db import lock_due
from hotline.outbox.models import OutboxMessage
from vendors.notifier import Message, Notifier, adapter_for

log = logging.getLogger("hotline.outbox")
AFTER_COMMIT = "hotline.outbox.deliver_after_commit"
RETRIED_SOURCES = ("reminder", "dispatch")  # what is retried and raised to a person when it cannot be delivered
RETRIED_CHANNELS = ("sms",)  # a vendor's call that is not answered is the dispatch chain's business
FAILED = ("failed", "undelivered")
# Twilio's words (messages and calls) → ours. Ranks: a late callback never moves a row back.
PROVIDER_STATUS = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "initiated": "sent", "ringing": "sent", "in-progress": "sent",
    "delivered": "delivered", "read": "delivered", "completed": "delivered",
    "undelivered": "undelivered", "busy": "undelivered", "no-answer": "undelivered",
    "failed": "failed", "canceled": "failed",
}
RANK = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}


@dataclass(frozen=True)
class DeliveryPolicy:
    retry_delays: tuple[dt.timedelta, ...] = (dt.timedelta(minutes=1), dt.timedelta(minutes=5),
                                              dt.timedelta(minutes=15))
    stuck_after: dt.timedelta = dt.timedelta(minutes=10)

    def next_retry(self, attempts: int) -> dt.timedelta | None:
        """The wait before the next attempt after `attempts` failed ones; None when they are used up."""
        return self.retry_delays[attempts - 1] if 1 <= attempts <= len(self.retry_delays) else None


def policy_from_config(config) -> DeliveryPolicy:
    from hotline.deadlines.service import parse_offsets

    return DeliveryPolicy(retry_delays=tuple(d for _, d in parse_offsets(config.get("DELIVERY_RETRY_DELAYS", ""))),
                          stuck_after=dt.timedelta(minutes=float(config.get("DELIVERY_STUCK_MINUTES", 10))))


def current_policy() -> DeliveryPolicy:
    if has_app_context() and "hotline.delivery_policy" in current_app.extensions:
        return current_app.extensions["hotline.delivery_policy"]
    return DeliveryPolicy()


# --- Handing over -------------------------------------------------------------------------------------
def deliver_after_commit(session: Session, notifier: Notifier, row_id: int) -> None:
    """Hand this row over once the caller's transaction has committed (`outbox.service.send` calls it)."""
    session.info.setdefault(AFTER_COMMIT, []).append((notifier, row_id))


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session) -> None:
    pending = session.info.pop(AFTER_COMMIT, None)
    if not pending:
        return
    from hotline.db import utcnow

    engine = session.get_bind()
    for notifier, row_id in pending:
        try:
            with Session(engine, expire_on_commit=False) as own:
                deliver_one(own, notifier, row_id, now=utcnow(), policy=current_policy())
        except Exception:  # the row stays pending: the clock hands it over at its next tick
            log.exception("outbox message %s: delivery after commit failed; the clock will retry", row_id)


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(AFTER_COMMIT, None)


def deliver_one(session: Session, notifier: Notifier, row_id: int, *, now: dt.datetime, policy: DeliveryPolicy,
                due_only: bool = False) -> bool:
    """Hand one row to its adapter, once; commits twice (the claim, then the answer). False: not ours to send
    (another process has it, it was sent, or, with `due_only`, its time has not come)."""
    table = OutboxMessage.__table__
    query = select(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.status.in_(("pending", *FAILED)),
                                        OutboxMessage.next_attempt_at.is_not(None))
    if due_only:
        query = query.where(OutboxMessage.next_attempt_at <= now)
    row = session.exec(lock_due(query)).first()
    if row is None:
        session.rollback()
        return False
    claimed = session.execute(sa.update(table).where(table.c.id == row_id, table.c.status == row.status,
                                                     table.c.next_attempt_at.is_not(None))
                              .values(status="sending", attempts=table.c.attempts + 1, next_attempt_at=None,
                                      status_at=now))
    if claimed.rowcount != 1:
        session.rollback()
        return False
    session.commit()  # the claim is durable before anything leaves: a crash from here on never sends it twice
    session.refresh(row)
    delivery = adapter_for(notifier, row.channel).deliver(
        Message(channel=row.channel, to=row.to, body=row.body, voice_url=row.voice_url, subject=row.subject,
                reference=str(row.id)))
    session.execute(sa.update(table).where(table.c.id == row_id)
                    .values(provider_id=delivery.provider_id or row.provider_id, adapter=delivery.adapter))
    moved = session.execute(sa.update(table).where(table.c.id == row_id, table.c.status == "sending")
                            .values(status=delivery.status, error=delivery.error, status_at=now))
    if moved.rowcount == 1 and delivery.status in FAILED:
        session.refresh(row)
        _after_failure(session, row, now=now, policy=policy)
    session.commit()
    return True


# --- What the provider says ---------------------------------------------------------------------------
def record_status(session: Session, *, outbox_id: int | None, sid: str, provider_status: str,
                  error_code: str | None, now: dt.datetime, policy: DeliveryPolicy) -> bool:
    """A status callback: move the row forward (never back). A callback about an earlier attempt changes nothing:
    its sid is not the row's any more, or it is the row's while the next attempt is being handed over. Commits.
    False when it concerns no row of ours."""
    status = PROVIDER_STATUS.get(provider_status)
    if status is None or not sid:
        return False
    row = session.get(OutboxMessage, outbox_id) if outbox_id else None
    if row is None or row.provider_id not in (None, sid):
        row = session.exec(select(OutboxMessage).where(OutboxMessage.provider_id == sid)).first()
    if row is None or (row.provider_id or sid) != sid or row.status not in RANK:
        session.rollback()
        return False
    if row.status == "sending" and row.provider_id == sid:  # about the attempt before the one under way
        session.rollback()
        return False
    table = OutboxMessage.__table__
    if row.provider_id is None:
        session.execute(sa.update(table).where(table.c.id == row.id, table.c.provider_id.is_(None))
                        .values(provider_id=sid))
    if RANK[status] <= RANK[row.status]:
        session.commit()
        return True
    error = f"Twilio error {error_code}" if error_code and status in FAILED else row.error
    moved = session.execute(sa.update(table).where(table.c.id == row.id, table.c.status == row.status)
                            .values(status=status, status_at=now, error=error, next_attempt_at=None))
    if moved.rowcount == 1 and status in FAILED:
        session.refresh(row)
        _after_failure(session, row, now=now, policy=policy)
    session.commit()
    return True


# --- Retrying, or raising it to a person --------------------------------------------------------------
def _kind(row: OutboxMessage) -> str:
    return (row.source or "").partition(":")[0]


def still_needed(session: Session, row: OutboxMessage) -> bool:
    """A reminder while its case is open; a dispatch request while that contact is the one being asked (a
    notice to the coordinator about the dispatch always)."""
    from hotline.cases.models import Case
    from hotline.dispatch.models import WAITING, Dispatch, DispatchAttempt

    if _kind(row) == "reminder":
        case = session.get(Case, row.case_id) if row.case_id else None
        return case is not None and case.status == "open"
    dispatch_id = (row.source or "").partition(":")[2]
    dispatch = session.get(Dispatch, int(dispatch_id)) if dispatch_id.isdigit() else None
    if dispatch is None:
        return False
    asked = session.exec(select(DispatchAttempt.phone).where(DispatchAttempt.dispatch_id == dispatch.id,
                                                            DispatchAttempt.step == dispatch.current_step)).first()
    vendor_phones = set(session.exec(select(DispatchAttempt.phone).where(DispatchAttempt.dispatch_id == dispatch.id)))
    if row.to in vendor_phones:
        return dispatch.status in WAITING and row.to == asked
    return True


def _after_failure(session: Session, row: OutboxMessage, *, now: dt.datetime, policy: DeliveryPolicy) -> None:
    """Within the caller's transaction: schedule the next attempt, or raise the message to a person."""
    if _kind(row) not in RETRIED_SOURCES or row.channel not in RETRIED_CHANNELS or row.escalated_at is not None:
        return
    if not still_needed(session, row):
        return
    wait = policy.next_retry(row.attempts)
    table = OutboxMessage.__table__
    if wait is not None:
        session.execute(sa.update(table).where(table.c.id == row.id).values(next_attempt_at=now + wait))
        return
    escalate(session, row, now=now, reason="failed")


def escalate(session: Session, row: OutboxMessage, *, now: dt.datetime, reason: str) -> bool:
    """Raise one message to a person, once (the coordinators' dashboard, the Outbox page, the case's timeline).
    `reason`: failed (every attempt failed) | no_answer (the provider never answered: it may have it)."""
    table = OutboxMessage.__table__
    if session.execute(sa.update(table).where(table.c.id == row.id, table.c.escalated_at.is_(None))
                       .values(escalated_at=now)).rowcount != 1:
        return False
    if row.case_id:
        record(session, actor="clock", kind="message_undeliverable", entity="outbox", entity_id=row.id,
               case_id=row.case_id, at=now,
               params={"purpose": _kind(row) or "message", "channel": row.channel, "attempts": row.attempts,
                       "reason": reason})
    return True


# --- The clock ----------------------------------------------------------------------------------------
def due(session: Session, *, now: dt.datetime, limit: int = 200) -> list[int]:
    """Rows whose (next) attempt has come, oldest first: left pending by a crash, or a retry."""
    return list(session.exec(select(OutboxMessage.id).where(OutboxMessage.next_attempt_at <= now,
                                                            OutboxMessage.status.in_(("pending", *FAILED)))
                             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))


def raise_stuck(session: Session, *, now: dt.datetime, policy: DeliveryPolicy) -> int:
    """Rows handed over longer than `stuck_after` ago with no answer (a crash during the call): never handed
    over again, raised to a person instead. Commits."""
    rows = list(session.exec(lock_due(select(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.status_at <= now - policy.stuck_after,
        OutboxMessage.escalated_at.is_(None)).limit(100))))
    done = sum(escalate(session, row, now=now, reason="no_answer") for row in rows)
    session.commit()
    return done


def open_escalations(session: Session, limit: int = 50) -> list[tuple[OutboxMessage, str | None]]:
    """Messages raised to a person and not yet marked handled, newest first, with their case's reference."""
    from hotline.cases.models import Case

    return list(session.exec(select(OutboxMessage, Case.reference).outerjoin(Case, Case.id == OutboxMessage.case_id)
                             .where(OutboxMessage.escalated_at.is_not(None), OutboxMessage.handled_at.is_(None))
                             .order_by(OutboxMessage.escalated_at.desc(), OutboxMessage.id.desc()).limit(limit)))


def mark_handled(session: Session, row_id: int, *, actor, now: dt.datetime) -> OutboxMessage:
    """A person took care of a message raised to them (called, sent it another way). Commits."""
    from hotline.errors import NotFound

    row = session.get(OutboxMessage, row_id)
    if row is None or row.escalated_at is None:
        raise NotFound("message")
    table = OutboxMessage.__table__
    if session.execute(sa.update(table).where(table.c.id == row_id, table.c.handled_at.is_(None))
                       .values(handled_at=now, handled_by_id=actor.id)).rowcount == 1 and row.case_id:
        record(session, actor=actor, kind="message_handled", entity="outbox", entity_id=row.id, case_id=row.case_id,
               at=now, params={"purpose": _kind(row) or "message", "channel": row.channel})
    session.commit()
    session.refresh(row)
    return row
