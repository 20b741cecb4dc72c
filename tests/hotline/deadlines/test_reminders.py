"""Reminders before each open deadline: scheduling, recomputation, and the clock sending each exactly once
(job bodies, then a real APScheduler clock: due in a second, across a restart, with two clocks, via Twilio)."""
import datetime as dt
import time

import pytest
from sqlmodel import Session, select

from hotline import clock, create_app
from hotline.audit.models import AuditEvent
from hotline.cases.models import Case
from hotline.cases.schemas import CaseIn, CasePatch
from hotline.cases.service import create_case, update_case
from hotline.db import utcnow
from hotline.deadlines import jobs
from hotline.deadlines.models import Deadline, Reminder
from hotline.deadlines.service import parse_offsets
from hotline.outbox.models import OutboxMessage
from tests.support import jst

OFFSETS = parse_offsets("7d,3d,1d,4h")


@pytest.fixture
def coordinator(factory):
    return factory.user("coordinator", phone="+819000000001")


def open_case(db, factory, coordinator, *, hours_ago=1.0, **facts):
    now = utcnow()
    data = CaseIn(policy_id=factory.policy(end=jst(2099, 1, 1)).id, summary="x", contact_phone="+819000000002",
                  first_discovered_at=now - dt.timedelta(hours=hours_ago), coordinator_id=coordinator.id, **facts)
    return create_case(db, data, actor=coordinator, now=now, offsets=OFFSETS)


def reminders(db, case_id, **where):
    db.expire_all()
    rows = db.exec(select(Reminder).where(Reminder.case_id == case_id).order_by(Reminder.send_at)).all()
    return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def test_offsets_parse_and_refuse_nonsense():
    assert parse_offsets("7d, 4h,30m") == [("7d", dt.timedelta(days=7)), ("4h", dt.timedelta(hours=4)),
                                           ("30m", dt.timedelta(minutes=30))]
    with pytest.raises(ValueError):
        parse_offsets("7x")


def test_one_reminder_per_open_deadline_offset_and_recipient(db, factory, coordinator):
    case = open_case(db, factory, coordinator, eu_data_subjects=True)  # GDPR due in 71 h; insurer notice met
    rows = reminders(db, case.id)
    gdpr = db.exec(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "gdpr_authority")).one()
    # 7d and 3d before are already past: the nearest of them (3d) goes out at once, then 1d and 4h before,
    # each to the coordinator and the contact; 7d is never sent.
    assert sorted((r.offset_label, r.recipient_role, r.recipient) for r in rows) == [
        ("1d", "contact", "+819000000002"), ("1d", "coordinator", "+819000000001"),
        ("3d", "contact", "+819000000002"), ("3d", "coordinator", "+819000000001"),
        ("4h", "contact", "+819000000002"), ("4h", "coordinator", "+819000000001")]
    assert {r.send_at for r in rows} == {case.created_at, gdpr.due_at - dt.timedelta(days=1),
                                         gdpr.due_at - dt.timedelta(hours=4)}


def test_catch_up_reminder_goes_out_once_across_recomputation(app, db, factory, coordinator):
    case = open_case(db, factory, coordinator, hours_ago=70, eu_data_subjects=True)  # GDPR due in 2 h
    rows = reminders(db, case.id)
    assert {r.offset_label for r in rows} == {"4h"} and {r.send_at for r in rows} == {case.created_at}
    assert jobs.send_reminders(app, now=case.created_at) == 2
    update_case(db, case, CasePatch(summary="more facts"), actor=coordinator, offsets=OFFSETS)
    assert [r.status for r in reminders(db, case.id)] == ["sent", "sent"]  # not queued again
    assert jobs.send_reminders(app, now=case.created_at + dt.timedelta(minutes=1)) == 0


def test_moved_deadline_replaces_pending_reminders_and_keeps_sent_ones(db, factory, coordinator):
    case = open_case(db, factory, coordinator, hours_ago=30, eu_data_subjects=True)
    first = reminders(db, case.id)
    assert {r.offset_label for r in first} == {"3d", "1d", "4h"}  # 3d: past already, sent at once
    sent = first[0]
    sent.status, sent.claimed_at, sent.sent_at = "sent", utcnow(), utcnow()
    db.add(sent)
    db.commit()
    # awareness was later than discovery: the GDPR clock moves 20 hours later
    update_case(db, case, CasePatch(gdpr_aware_at=case.first_discovered_at + dt.timedelta(hours=20)),
                actor=coordinator, offsets=OFFSETS)
    after = reminders(db, case.id)
    assert sent.id in {r.id for r in after} and [r.status for r in after if r.id == sent.id] == ["sent"]
    pending = [r for r in after if r.status == "pending"]
    new_due = case.first_discovered_at + dt.timedelta(hours=92)
    assert pending and all(r.for_due_at == new_due for r in pending)
    assert not [r for r in after if r.status == "pending" and r.for_due_at != new_due]
    # the deadline is met: nothing pending is left
    from hotline.deadlines.service import record_met

    record_met(db, case, "gdpr_authority", utcnow(), actor=coordinator, offsets=OFFSETS)
    db.commit()
    assert reminders(db, case.id, status="pending") == []


def test_job_sends_a_due_reminder_exactly_once(app, db, factory, coordinator):
    case = open_case(db, factory, coordinator, eu_data_subjects=True)
    r = reminders(db, case.id)[0]
    at = r.send_at + dt.timedelta(seconds=1)
    assert jobs.send_reminders(app, now=at) == 2  # the two recipients' reminders of that offset
    assert jobs.send_reminders(app, now=at) == 0
    db.expire_all()
    msgs = db.exec(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    assert len(msgs) == 2 and {m.to for m in msgs} == {"+819000000001", "+819000000002"}
    assert all(case.reference in m.body and "GDPR" in m.body for m in msgs)
    assert len(db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                AuditEvent.kind == "reminder_sent")).all()) == 2


def test_late_clock_sends_within_grace_and_skips_with_a_reason_beyond(app, db, factory, coordinator):
    app.config["REMINDER_GRACE"] = dt.timedelta(hours=2)
    case = open_case(db, factory, coordinator, eu_data_subjects=True)
    at_once, one_day, four_hours = sorted({r.send_at for r in reminders(db, case.id)})
    assert jobs.send_reminders(app, now=at_once) == 2  # the 3d reminder, already past at intake
    # the clock wakes up 3 h after the 1d reminder was due and 1 h before the 4h one
    assert jobs.send_reminders(app, now=four_hours - dt.timedelta(hours=1)) == 2
    assert {r.status for r in reminders(db, case.id) if r.send_at == one_day} == {"skipped"}
    assert all("beyond REMINDER_GRACE" in r.reason for r in reminders(db, case.id, status="skipped"))
    # awake again 1 h after the 4h reminder was due: within the grace, sent
    assert jobs.send_reminders(app, now=four_hours + dt.timedelta(hours=1)) == 2
    assert len(reminders(db, case.id, status="sent")) == 4


def test_missed_deadlines_are_marked_once_with_an_audit_entry(app, db, factory, coordinator):
    case = open_case(db, factory, coordinator, eu_data_subjects=True)
    due = db.exec(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "gdpr_authority")).one().due_at
    assert jobs.mark_missed(app, now=due - dt.timedelta(seconds=1)) == 0
    assert jobs.mark_missed(app, now=due) == 1
    assert jobs.mark_missed(app, now=due + dt.timedelta(hours=1)) == 0
    db.expire_all()
    assert db.exec(select(Deadline).where(Deadline.case_id == case.id,
                                          Deadline.kind == "gdpr_authority")).one().status == "missed"
    (event,) = db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.kind == "deadline_missed"))
    assert event.field == "gdpr_authority" and event.actor == "clock"


# --- the real clock: a few end-to-end runs, with waits long enough for a busy machine -------------------

def _due_soon(db, factory, coordinator, seconds=1.0) -> int:
    """A case and one pending reminder of it due `seconds` from now; returns the reminder id."""
    case = open_case(db, factory, coordinator, eu_data_subjects=True)
    r = reminders(db, case.id)[0]
    r.send_at = utcnow() + dt.timedelta(seconds=seconds)
    db.add(r)
    db.commit()
    return r.id


def _wait_for(predicate, timeout=120.0):
    """Poll until `predicate` holds. The timeout only bounds a hung run: a slow machine waits longer, it does
    not fail."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _sent(app, reminder_id):
    with Session(app.extensions["hotline.engine"]) as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.source == f"reminder:{reminder_id}")).all()


@pytest.fixture
def clock_jobs(monkeypatch):
    monkeypatch.setattr(clock, "JOBS", (jobs.mark_missed, jobs.send_reminders))


def _second_app(app):
    """Another app on the same database: its own engine and pool, like a second clock process."""
    other = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x",
                        "TWILIO_ACCOUNT_SID": None, "CLOCK_TICK_SECONDS": 0.2})
    return other


@pytest.mark.slow
def test_clock_processes_restarted_in_the_middle_neither_lose_nor_repeat(app, db, factory, coordinator, tmp_path):
    """Real `flask clock` processes. The first sends what is due and is stopped; the next reminders fall due
    while no clock runs; the second clock sends those, and nothing of the first again."""
    from tests.hotline.test_cli_and_clock import start_clock, stop_clock

    case = open_case(db, factory, coordinator, eu_data_subjects=True)
    at_once = [r.id for r in reminders(db, case.id) if r.send_at <= utcnow()]  # the 3d reminders: due at intake
    later = [r.id for r in reminders(db, case.id) if r.id not in at_once]
    assert len(at_once) == 2 and len(later) == 4
    first = start_clock(app.config["DATABASE_URL"], tmp_path / "first.log")
    try:
        assert _wait_for(lambda: all(_sent(app, rid) for rid in at_once))
    finally:
        stop_clock(first)
    assert not any(_sent(app, rid) for rid in later)
    with Session(app.extensions["hotline.engine"]) as s:  # the 1d reminders' time passes while no clock runs
        for r in s.exec(select(Reminder).where(Reminder.id.in_(later), Reminder.offset_label == "1d")):
            r.send_at = utcnow() - dt.timedelta(minutes=5)
            s.add(r)
        s.commit()
        fell_due = [r.id for r in s.exec(select(Reminder).where(Reminder.offset_label == "1d",
                                                                 Reminder.case_id == case.id))]
    second = start_clock(app.config["DATABASE_URL"], tmp_path / "second.log")
    try:
        assert _wait_for(lambda: all(_sent(app, rid) for rid in fell_due))
    finally:
        stop_clock(second)
    assert [len(_sent(app, rid)) for rid in at_once + fell_due] == [1, 1, 1, 1]  # each exactly once
    assert [r.status for r in reminders(db, case.id, offset_label="4h")] == ["pending", "pending"]


@pytest.mark.slow
def test_two_clocks_send_each_reminder_once(app, db, factory, coordinator, clock_jobs):
    app.config["CLOCK_TICK_SECONDS"] = 0.2
    ids = [_due_soon(db, factory, coordinator, seconds=1.0) for _ in range(4)]
    with Session(app.extensions["hotline.engine"]) as s:  # every pending reminder of these cases falls due
        for r in s.exec(select(Reminder).where(Reminder.status == "pending")):
            r.send_at = utcnow() + dt.timedelta(seconds=1)
            s.add(r)
        s.commit()
        total = len(s.exec(select(Reminder).where(Reminder.status == "pending")).all())
    other = _second_app(app)
    clocks = [clock.make_scheduler(app, blocking=False), clock.make_scheduler(other, blocking=False)]
    for c in clocks:
        c.start()
    try:
        def all_sent():
            with Session(app.extensions["hotline.engine"]) as s:
                return not s.exec(select(Reminder).where(Reminder.status == "pending")).all()
        assert _wait_for(all_sent)
    finally:
        for c in clocks:
            c.shutdown(wait=True)
        other.extensions["hotline.engine"].dispose()
    with Session(app.extensions["hotline.engine"]) as s:
        sources = [m.source for m in s.exec(select(OutboxMessage))]
    assert len(sources) == total and len(set(sources)) == total  # each exactly once
    assert all(_sent(app, rid) for rid in ids)


@pytest.mark.twilio
def test_twilio_adapter_sends_a_reminder_through_the_real_client(app, db, factory, coordinator, fake_twilio):
    case = open_case(db, factory, coordinator, eu_data_subjects=True)
    first = reminders(db, case.id)[0]
    assert jobs.send_reminders(app, now=first.send_at) == 2
    sms = fake_twilio.messages()
    assert sorted(m.form["To"] for m in sms) == ["+819000000001", "+819000000002"]
    assert all(m.form["From"] == "+15005550006" and case.reference in m.form["Body"] for m in sms)
    db.expire_all()
    rows = db.exec(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    assert {(m.adapter, m.status) for m in rows} == {("twilio", "sent")}
    assert all(m.provider_id.startswith("SM") for m in rows)


def test_closed_case_reminders_are_skipped_with_the_reason(app, db, factory, coordinator):
    case = open_case(db, factory, coordinator, eu_data_subjects=True)
    first = reminders(db, case.id)[0]
    case = db.get(Case, case.id)
    case.status = "closed"
    db.add(case)
    db.commit()
    assert jobs.send_reminders(app, now=first.send_at) == 2
    assert {r.reason for r in reminders(db, case.id, status="skipped")} == {"the case is closed"}


def test_each_recipient_reads_the_reminder_in_their_language(app, db, factory):
    """The coordinator in the language they chose (Japanese until they choose), the insured's contact in the
    case's contact language (Japanese unless the case says otherwise); the deadline reads as on every page:
    its last moment and the time left in the reader's units."""
    english_coordinator = factory.user("coordinator", phone="+819000000011", language="en")
    now = utcnow()
    data = CaseIn(policy_id=factory.policy(end=jst(2099, 1, 1)).id, summary="x", contact_phone="+819000000012",
                  first_discovered_at=now - dt.timedelta(hours=70), coordinator_id=english_coordinator.id,
                  eu_data_subjects=True)
    case = create_case(db, data, actor=english_coordinator, now=now, offsets=OFFSETS)  # GDPR: 2 h left
    assert jobs.send_reminders(app, now) == 2
    by_phone = {m.to: m.body for m in db.exec(select(OutboxMessage).where(OutboxMessage.case_id == case.id))}
    coordinator_sms, contact_sms = by_phone["+819000000011"], by_phone["+819000000012"]
    assert coordinator_sms.startswith(f"[hotline] {case.reference} GDPR notification to the supervisory authority: by ")
    assert "1 h 59 min left" in coordinator_sms or "2 h 0 min left" in coordinator_sms
    assert contact_sms.startswith(f"【hotline】{case.reference} GDPR監督機関への通知：")
    assert "まで（あと1時間59分）" in contact_sms or "まで（あと2時間0分）" in contact_sms

    # A case whose insured contact reads English.
    data = CaseIn(policy_id=case.policy_id, summary="y", contact_phone="+819000000013", contact_language="en",
                  first_discovered_at=now - dt.timedelta(hours=70), eu_data_subjects=True)
    second = create_case(db, data, actor=english_coordinator, now=now, offsets=OFFSETS)
    assert jobs.send_reminders(app, now) == 2
    (sms,) = db.exec(select(OutboxMessage).where(OutboxMessage.case_id == second.id,
                                                 OutboxMessage.to == "+819000000013"))
    assert sms.body.startswith(f"[hotline] {second.reference} GDPR notification to the supervisory authority: by ")
