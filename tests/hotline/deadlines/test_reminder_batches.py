"""The clock sends a burst of due reminders in batches (one transaction each), each exactly once; a message that
leaves the building goes one per transaction; and each clock job runs on its own, so one job's backlog does not
hold back the others."""
import datetime as dt
import threading
import time

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline import clock
from hotline.audit.models import AuditEvent
from hotline.cases.schemas import CaseIn
from hotline.cases.service import create_case
from hotline.db import utcnow
from hotline.deadlines import jobs, reminders
from hotline.deadlines.models import Deadline, Reminder
from hotline.deadlines.service import parse_offsets
from hotline.outbox.models import OutboxMessage
from tests.support import jst
from vendors.notifier import Delivery

OFFSETS = parse_offsets("7d,3d,1d,4h")


def burst(db, factory, size: int) -> tuple[int, dt.datetime]:
    """`size` pending reminders of one open GDPR deadline, all due at the returned instant (one per phone)."""
    now = utcnow()
    case = create_case(db, CaseIn(policy_id=factory.policy(end=jst(2099, 1, 1)).id, summary="x",
                                  first_discovered_at=now - dt.timedelta(hours=1), eu_data_subjects=True),
                       actor="test", now=now, offsets=OFFSETS)
    gdpr = db.exec(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "gdpr_authority")).one()
    at = now + dt.timedelta(minutes=1)
    db.execute(sa.insert(Reminder.__table__), [
        {"deadline_id": gdpr.id, "case_id": case.id, "offset_label": "1d", "for_due_at": gdpr.due_at, "send_at": at,
         "recipient": f"+8190{n:08d}", "recipient_role": "contact", "channel": "sms", "status": "pending",
         "created_at": now} for n in range(size)])
    db.commit()
    return case.id, at


def commits(engine) -> list[int]:
    seen = []
    sa.event.listen(engine, "commit", lambda conn: seen.append(1))
    return seen


def test_a_burst_larger_than_a_batch_goes_out_in_one_run_each_exactly_once(app, db, factory):
    size = reminders.BATCH * 2 + 100
    case_id, at = burst(db, factory, size)
    seen = commits(app.extensions["hotline.engine"])
    assert jobs.send_reminders(app, now=at - dt.timedelta(seconds=1)) == 0  # not due yet
    assert jobs.send_reminders(app, now=at) == size
    assert len(seen) == 3  # 500, 500, 100: one transaction a batch
    assert jobs.send_reminders(app, now=at + dt.timedelta(seconds=5)) == 0
    db.expire_all()
    sources = db.exec(select(OutboxMessage.source).where(OutboxMessage.case_id == case_id)).all()
    assert len(sources) == size and len(set(sources)) == size
    rows = db.exec(select(Reminder).where(Reminder.case_id == case_id, Reminder.offset_label == "1d")).all()
    assert {r.status for r in rows} == {"sent"} and all(r.outbox_id and r.sent_at == at for r in rows)
    assert {m.id for m in db.exec(select(OutboxMessage).where(OutboxMessage.case_id == case_id))} == {
        r.outbox_id for r in rows}
    assert len(db.exec(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                AuditEvent.kind == "reminder_sent")).all()) == size


class Provider:
    """A notifier whose messages leave the building (as Twilio's do): each is delivered, none is only a row."""
    name = "twilio"

    def __init__(self):
        self.delivered = []

    def deliver(self, message):
        self.delivered.append(message.to)
        return Delivery(status="sent", adapter=self.name, provider_id=f"SM{len(self.delivered):032d}")


def test_messages_that_leave_the_building_go_one_per_transaction(app, db, factory):
    case_id, at = burst(db, factory, 5)
    seen = commits(app.extensions["hotline.engine"])
    provider = Provider()
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as s:
        assert reminders.send_due(s, now=at, notifier=provider, grace=dt.timedelta(hours=24),
                                  base_url="http://x") == 5
    assert len(seen) == 5 and len(provider.delivered) == 5 == len(set(provider.delivered))


def test_a_job_with_a_backlog_does_not_hold_back_the_others(app, monkeypatch):
    """Real APScheduler: a slow job (a backlog) keeps running while the other job runs tick after tick."""
    app.config["CLOCK_TICK_SECONDS"] = 0.2
    release, fast_runs = threading.Event(), []

    def slow(app, now):
        release.wait(120)
        return 1

    def fast(app, now):
        fast_runs.append(now)
        return 0

    monkeypatch.setattr(clock, "JOBS", (slow, fast))
    scheduler = clock.make_scheduler(app, blocking=False)
    scheduler.start()
    try:
        end = time.monotonic() + 120
        while len(fast_runs) < 3 and time.monotonic() < end:
            time.sleep(0.05)
        assert len(fast_runs) >= 3 and not release.is_set()  # three runs while the slow one still works
    finally:
        release.set()
        scheduler.shutdown(wait=True)
