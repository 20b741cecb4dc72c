"""Escalation by the clock, at instants the tests choose (clock.tick(app, now=...)): each step, acceptance
stopping the chain, acceptance racing escalation, a restart in the middle; then once with a real scheduler."""
import datetime as dt
import threading
import time

import pytest
from sqlmodel import Session, select

from hotline import clock
from hotline.audit.models import AuditEvent
from hotline.dispatch.jobs import escalate_dispatches
from hotline.dispatch.models import Dispatch, DispatchAttempt
from hotline.outbox.models import OutboxMessage
from tests.hotline.dispatch.test_dispatch import add_vendor, sms_links
from tests.support import post_form

TIMEOUT = dt.timedelta(seconds=900)  # DISPATCH_ACK_TIMEOUT_SECONDS, the default
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def only_escalation(monkeypatch):
    monkeypatch.setattr(clock, "JOBS", (escalate_dispatches,))  # only this domain's job: the test is about it


@pytest.fixture
def chain_case(app, factory, api_as, only_escalation):
    """A case and a dispatch to A (contacts a1, a2) with B (b1) next in the escalation order."""
    coord = api_as(factory.user("coordinator", phone="+81300000999"))
    case = factory.case(attack_confirmed="yes")
    a = add_vendor(coord, "A社", contacts=(("a1", "+81300000101"), ("a2", "+81300000102")), escalation_rank=1)
    add_vendor(coord, "B社", contacts=(("b1", "+81300000201"),), escalation_rank=2)
    d = coord.post(f"/cases/{case.reference}/dispatches",
                   json={"vendor_id": a["id"], "capability": "forensics", "brief": "調査"}).get_json()
    return case, d["id"]


def _fresh(app):
    return Session(app.extensions["hotline.engine"], expire_on_commit=False)


def _dispatch(app, dispatch_id) -> Dispatch:
    with _fresh(app) as s:
        return s.get(Dispatch, dispatch_id)


def _sms_to(app, case_id):
    with _fresh(app) as s:
        return [m.to for m in s.exec(select(OutboxMessage).where(OutboxMessage.case_id == case_id,
                                                                 OutboxMessage.channel == "sms")
                                     .order_by(OutboxMessage.id))]


def _kinds(app, case_id):
    with _fresh(app) as s:
        return [e.kind for e in s.exec(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                                AuditEvent.entity == "dispatch")
                                       .order_by(AuditEvent.id))]


def _escalations(result) -> int:
    return result["hotline.dispatch.jobs.escalate_dispatches"]


def test_each_escalation_step_then_expiry(app, chain_case):
    case, dispatch_id = chain_case
    step_deadline = _dispatch(app, dispatch_id).step_deadline
    assert _escalations(clock.tick(app, now=step_deadline - SECOND)) == 0  # a1 still has a second
    for step in (1, 2, 3):  # a1 → a2 (next contact) → b1 (next vendor) → expired
        assert _escalations(clock.tick(app, now=step_deadline)) == 1
        assert _escalations(clock.tick(app, now=step_deadline)) == 0  # once per step
        d = _dispatch(app, dispatch_id)
        if step < 3:
            assert d.current_step == step and d.step_deadline == step_deadline + TIMEOUT  # a full timeout each
            step_deadline = d.step_deadline
    assert d.status == "expired" and d.step_deadline is None
    # then the coordinator is told
    assert _sms_to(app, case.id) == ["+81300000101", "+81300000102", "+81300000201", "+81300000999"]
    assert _kinds(app, case.id) == ["vendor_dispatched", "vendor_notified",
                                    "dispatch_escalated", "vendor_notified",
                                    "dispatch_escalated", "vendor_notified", "dispatch_expired"]
    with _fresh(app) as s:
        attempts = s.exec(select(DispatchAttempt).order_by(DispatchAttempt.step)).all()
        assert [a.outcome for a in attempts] == ["no_answer"] * 3
        assert [b.sent_at - a.sent_at for a, b in zip(attempts, attempts[1:], strict=False)] == [TIMEOUT, TIMEOUT]


def test_acceptance_stops_the_chain(app, chain_case, client, db):
    case, dispatch_id = chain_case
    first_deadline = _dispatch(app, dispatch_id).step_deadline
    assert _escalations(clock.tick(app, now=first_deadline)) == 1  # a1 did not answer: a2 is asked
    a2_link = sms_links(db, case.id)[1][1]
    assert "accepted" in post_form(client, a2_link, {"answer": "accept"}).get_data(as_text=True)
    assert _escalations(clock.tick(app, now=first_deadline + 10 * TIMEOUT)) == 0  # nothing more, ever
    assert _dispatch(app, dispatch_id).status == "accepted"
    assert _sms_to(app, case.id) == ["+81300000101", "+81300000102"]
    assert _kinds(app, case.id)[-1] == "vendor_accepted"


def test_acceptance_racing_escalation_has_one_winner(app, factory, api_as):
    """The vendor answers at the very moment the clock escalates: exactly one of them closes the step."""
    from hotline.dispatch.service import respond
    from hotline.dispatch.settings import from_config

    coord = api_as(factory.user("coordinator"))
    a = add_vendor(coord, "A社", escalation_rank=1)
    add_vendor(coord, "B社", contacts=(("b1", "+81300000201"),), escalation_rank=2)
    outcomes = []
    for _ in range(4):
        case = factory.case(attack_confirmed="yes")
        d = coord.post(f"/cases/{case.reference}/dispatches",
                       json={"vendor_id": a["id"], "capability": "forensics", "brief": "x"}).get_json()
        with _fresh(app) as s:
            attempt = s.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == d["id"])).one()
        barrier, answer = threading.Barrier(2), {}

        def vendor(barrier=barrier, answer=answer, attempt=attempt):
            with app.app_context(), _fresh(app) as s:
                barrier.wait()
                answer["v"] = respond(s, attempt_id=attempt.id, answer="accept", via="link",
                                      notifier=app.extensions["hotline.notifier"], settings=from_config(app.config),
                                      now=attempt.deadline)

        def clock_tick(barrier=barrier, attempt=attempt):
            with app.app_context():
                barrier.wait()
                escalate_dispatches(app, attempt.deadline)  # the very instant the step runs out

        threads = [threading.Thread(target=vendor), threading.Thread(target=clock_tick)]
        [t.start() for t in threads]
        [t.join(120) for t in threads]
        status, sms = _dispatch(app, d["id"]).status, _sms_to(app, case.id)
        if answer["v"] == "accepted":
            assert status == "accepted" and sms == ["+81300000101"]
        else:
            assert answer["v"] == "superseded"
            assert status == "escalated" and sms == ["+81300000101", "+81300000201"]
            assert _kinds(app, case.id)[-1] == "vendor_late_answer"
        outcomes.append(answer["v"])
    assert set(outcomes) <= {"accepted", "superseded"}


def _second_clock(app):
    """Another app on the same database, with its own engine and pool: the clock process after a restart."""
    from hotline import create_app

    return create_app({**{k: app.config[k] for k in ("TESTING", "DATABASE_URL", "SECRET_KEY", "PUBLIC_BASE_URL",
                                                     "PASSWORD_HASH_METHOD")}, "TWILIO_ACCOUNT_SID": None})


def test_restart_in_the_middle_of_a_chain(app, chain_case):
    """The clock escalates once and stops; a2's step runs out while no clock runs; a new clock process picks
    the chain up where it was: nothing lost, nothing repeated."""
    case, dispatch_id = chain_case
    first_deadline = _dispatch(app, dispatch_id).step_deadline
    assert _escalations(clock.tick(app, now=first_deadline)) == 1
    assert _sms_to(app, case.id) == ["+81300000101", "+81300000102"]
    second = _second_clock(app)
    try:
        later = first_deadline + 3 * TIMEOUT  # long after a2's deadline
        assert _escalations(clock.tick(second, now=later)) == 1  # a2 → b1, who gets a full timeout from now
        assert _escalations(clock.tick(second, now=later)) == 0
        assert _escalations(clock.tick(app, now=later)) == 0  # the old clock, had it come back, finds nothing
        assert _escalations(clock.tick(second, now=later + TIMEOUT)) == 1  # b1 → expired
    finally:
        second.extensions["hotline.engine"].dispose()
    assert _dispatch(app, dispatch_id).status == "expired"
    assert _sms_to(app, case.id) == ["+81300000101", "+81300000102", "+81300000201", "+81300000999"]
    assert _kinds(app, case.id).count("dispatch_escalated") == 2


@pytest.mark.slow
def test_a_real_scheduler_escalates_the_chain_to_its_end(app, chain_case):
    """End to end with APScheduler ticking (0.2 s) and a 1 s acknowledgement timeout. Only the end state and the
    order are checked, and the wait is long: a busy machine makes it slower, never wrong."""
    case, dispatch_id = chain_case
    app.config.update(CLOCK_TICK_SECONDS=0.2, DISPATCH_ACK_TIMEOUT_SECONDS=1)
    with _fresh(app) as s:  # the first step runs out now
        attempt = s.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == dispatch_id)).one()
        attempt.deadline = attempt.sent_at
        s.add(attempt)
        s.commit()
    scheduler = clock.make_scheduler(app, blocking=False)
    scheduler.start()
    try:
        end = time.monotonic() + 120
        while _dispatch(app, dispatch_id).status != "expired" and time.monotonic() < end:
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert _sms_to(app, case.id) == ["+81300000101", "+81300000102", "+81300000201", "+81300000999"]
    with _fresh(app) as s:
        attempts = s.exec(select(DispatchAttempt).order_by(DispatchAttempt.step)).all()
    assert all(b.sent_at - a.sent_at >= SECOND for a, b in zip(attempts[1:], attempts[2:], strict=False))
