"""Escalation in the clock process with a real scheduler (0.2 s ticks, 1 s acknowledgement timeout):
each step, acceptance stopping the chain, acceptance racing escalation, and a restart in the middle."""
import datetime as dt
import threading
import time

import pytest
from sqlmodel import Session, select

from hotline import clock
from hotline.audit.models import AuditEvent
from hotline.db import utcnow
from hotline.dispatch.jobs import escalate_dispatches
from hotline.dispatch.models import Dispatch, DispatchAttempt
from hotline.outbox.models import OutboxMessage
from tests.hotline.dispatch.test_dispatch import add_vendor, sms_links

pytestmark = pytest.mark.slow


@pytest.fixture
def fast(app, monkeypatch):
    app.config.update(CLOCK_TICK_SECONDS=0.2, DISPATCH_ACK_TIMEOUT_SECONDS=1)
    monkeypatch.setattr(clock, "JOBS", (escalate_dispatches,))  # only this domain's job: the test is about it
    return app


@pytest.fixture
def chain_case(fast, factory, api_as):
    """A case and a dispatch to A (contacts a1, a2) with B (b1) next in the escalation order."""
    coord = api_as(factory.user("coordinator", phone="+81300000999"))
    case = factory.case(attack_confirmed="yes")
    a = add_vendor(coord, "A社", contacts=(("a1", "+81300000101"), ("a2", "+81300000102")), escalation_rank=1)
    add_vendor(coord, "B社", contacts=(("b1", "+81300000201"),), escalation_rank=2)
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": a["id"], "capability": "forensics", "brief": "調査"}).get_json()
    return case, d["id"], coord


def _fresh(app):
    return Session(app.extensions["hotline.engine"], expire_on_commit=False)


def _wait(predicate, timeout=8.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _status(app, dispatch_id):
    with _fresh(app) as s:
        return s.get(Dispatch, dispatch_id).status


def _sms_to(app, case_id):
    with _fresh(app) as s:
        return [m.to for m in s.exec(select(OutboxMessage).where(OutboxMessage.case_id == case_id,
                                                                 OutboxMessage.channel == "sms")
                                     .order_by(OutboxMessage.id))]


def _kinds(app, case_id):
    with _fresh(app) as s:
        return [e.kind for e in s.exec(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id))]


def test_each_escalation_step_then_expiry(fast, chain_case):
    case, dispatch_id, _ = chain_case
    scheduler = clock.make_scheduler(fast, blocking=False)
    scheduler.start()
    try:
        assert _wait(lambda: _status(fast, dispatch_id) == "expired")
    finally:
        scheduler.shutdown(wait=True)
    # a1 → a2 (next contact) → b1 (next vendor) → expired, then the coordinator is told
    assert _sms_to(fast, case.id) == ["+81300000101", "+81300000102", "+81300000201", "+81300000999"]
    assert _kinds(fast, case.id) == ["vendor_dispatched", "vendor_notified",
                                     "dispatch_escalated", "vendor_notified",
                                     "dispatch_escalated", "vendor_notified", "dispatch_expired"]
    with _fresh(fast) as s:
        attempts = s.exec(select(DispatchAttempt).order_by(DispatchAttempt.step)).all()
        assert [a.outcome for a in attempts] == ["no_answer"] * 3
        # each step waited its full timeout before the next one
        assert all(b.sent_at - a.sent_at >= dt.timedelta(seconds=1) for a, b in zip(attempts, attempts[1:], strict=False))


def test_acceptance_stops_the_chain(fast, chain_case, client, db):
    from tests.support import post_form

    case, dispatch_id, _ = chain_case
    scheduler = clock.make_scheduler(fast, blocking=False)
    scheduler.start()
    try:
        assert _wait(lambda: len(_sms_to(fast, case.id)) == 2)
        a2_link = sms_links(db, case.id)[1][1]
        assert "accepted" in post_form(client, a2_link, {"answer": "accept"}).get_data(as_text=True)
        time.sleep(1.6)  # longer than the timeout: nothing more may happen
    finally:
        scheduler.shutdown(wait=True)
    assert _status(fast, dispatch_id) == "accepted"
    assert _sms_to(fast, case.id) == ["+81300000101", "+81300000102"]
    assert _kinds(fast, case.id)[-1] == "vendor_accepted"


def test_acceptance_racing_escalation_has_one_winner(fast, factory, api_as):
    """The vendor answers at the very moment the clock escalates: exactly one of them closes the step."""
    from hotline.dispatch.jobs import escalate_dispatches
    from hotline.dispatch.service import respond
    from hotline.dispatch.settings import from_config
    from vendors.notifier.outbox import OutboxNotifier

    coord = api_as(factory.user("coordinator"))
    a = add_vendor(coord, "A社", escalation_rank=1)
    add_vendor(coord, "B社", contacts=(("b1", "+81300000201"),), escalation_rank=2)
    outcomes = []
    for _ in range(4):
        case = factory.case(attack_confirmed="yes")
        d = coord.post(f"/cases/{case.reference}/dispatches",
                       json={"vendor_id": a["id"], "capability": "forensics", "brief": "x"}).get_json()
        with _fresh(fast) as s:  # make the step overdue now
            attempt = s.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == d["id"])).one()
            attempt.deadline = attempt.sent_at - dt.timedelta(seconds=1)
            s.add(attempt)
            s.commit()
        barrier, answer = threading.Barrier(2), {}

        def vendor(barrier=barrier, answer=answer, attempt=attempt):
            with fast.app_context(), _fresh(fast) as s:
                barrier.wait()
                answer["v"] = respond(s, attempt_id=attempt.id, answer="accept", via="link",
                                      notifier=OutboxNotifier(), settings=from_config(fast.config))

        def clock_tick(barrier=barrier):
            with fast.app_context():
                barrier.wait()
                escalate_dispatches(fast, utcnow())

        threads = [threading.Thread(target=vendor), threading.Thread(target=clock_tick)]
        [t.start() for t in threads]
        [t.join(20) for t in threads]
        status, sms = _status(fast, d["id"]), _sms_to(fast, case.id)
        if answer["v"] == "accepted":
            assert status == "accepted" and sms == ["+81300000101"]
        else:
            assert answer["v"] == "superseded"
            assert status == "escalated" and sms == ["+81300000101", "+81300000201"]
            assert _kinds(fast, case.id)[-1] == "vendor_late_answer"
        outcomes.append(answer["v"])
    assert set(outcomes) <= {"accepted", "superseded"}


def test_restart_in_the_middle_of_a_chain(fast, chain_case):
    """The clock stops after the first escalation and a new one starts later: nothing lost or repeated."""
    from hotline import create_app

    case, dispatch_id, _ = chain_case
    first = clock.make_scheduler(fast, blocking=False)
    first.start()
    try:
        assert _wait(lambda: len(_sms_to(fast, case.id)) == 2)
    finally:
        first.shutdown(wait=True)
    time.sleep(1.3)  # a2's step runs out while no clock is running
    assert _sms_to(fast, case.id) == ["+81300000101", "+81300000102"]
    second_app = create_app({**{k: fast.config[k] for k in ("TESTING", "DATABASE_URL", "SECRET_KEY",
                                                              "PUBLIC_BASE_URL", "PASSWORD_HASH_METHOD")},
                             "TWILIO_ACCOUNT_SID": None, "CLOCK_TICK_SECONDS": 0.2,
                             "DISPATCH_ACK_TIMEOUT_SECONDS": 1})
    second = clock.make_scheduler(second_app, blocking=False)
    second.start()
    try:
        assert _wait(lambda: _status(fast, dispatch_id) == "expired")
    finally:
        second.shutdown(wait=True)
        second_app.extensions["hotline.engine"].dispose()
    assert _sms_to(fast, case.id) == ["+81300000101", "+81300000102", "+81300000201", "+81300000999"]
    assert _kinds(fast, case.id).count("dispatch_escalated") == 2
