"""Delivery with a provider: the real twilio client against the tests' fake Twilio API. A message leaves only
after its row is committed and at most once per attempt (a crash never sends it twice); Twilio's status callbacks
(signed, as Twilio posts them) move the row forward; a failed reminder or dispatch SMS is retried after each delay
and then raised to a person (the case's timeline, the coordinators' dashboard, the Outbox page)."""
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from sqlmodel import select
from twilio.request_validator import RequestValidator

from hotline.audit.models import AuditEvent
from hotline.outbox import delivery, jobs, service
from hotline.outbox.models import OutboxMessage
from tests.support import login, said

pytestmark = pytest.mark.twilio
SECOND = dt.timedelta(seconds=1)


def send(app, db, *, source="reminder:1", case_id=None, to="+819011112222", channel="sms"):
    row = service.send(db, app.extensions["hotline.notifier"], channel=channel, to=to, body="期限のお知らせ",
                       case_id=case_id, source=source)
    db.commit()
    db.refresh(row)
    return row


def callback(client, fake, row, status, *, sid=None, error=None, call=False, signature=None):
    """A status callback as Twilio posts it to the URL we gave it (…/twilio/status?outbox=<id>)."""
    url = f"http://localhost/twilio/status?outbox={row.id}"
    form = ({"CallSid": sid or row.provider_id, "CallStatus": status, "AccountSid": fake.account_sid,
             "From": "+15005550006", "To": row.to, "Direction": "outbound-api", "ApiVersion": "2010-04-01"} if call else
            {"MessageSid": sid or row.provider_id, "SmsSid": sid or row.provider_id, "MessageStatus": status,
             "SmsStatus": status, "AccountSid": fake.account_sid, "From": "+15005550006", "To": row.to,
             "ApiVersion": "2010-04-01"})
    if error:
        form["ErrorCode"] = error
    signature = signature or RequestValidator(fake.auth_token).compute_signature(url, form)
    return client.post(f"/twilio/status?outbox={row.id}", data=form, headers={"X-Twilio-Signature": signature})


def fresh(db, row):
    db.expire_all()
    return db.get(OutboxMessage, row.id)


def test_a_message_leaves_only_after_its_row_is_committed(app, db, factory, fake_twilio):
    case = factory.case()
    row = service.send(db, app.extensions["hotline.notifier"], channel="sms", to="+819011112222", body="取り消し",
                       case_id=case.id, source="reminder:1")
    assert row.status == "pending" and fake_twilio.messages() == []  # not during the unit of work
    db.rollback()
    assert fake_twilio.messages() == [] and db.exec(select(OutboxMessage)).all() == []  # never, if it rolls back
    row = send(app, db, case_id=case.id)
    (sent,) = fake_twilio.messages()
    assert sent.form["Body"] == "期限のお知らせ"
    assert sent.form["StatusCallback"] == f"http://localhost/twilio/status?outbox={row.id}"
    row = fresh(db, row)
    assert (row.status, row.adapter, row.attempts, row.next_attempt_at) == ("sent", "twilio", 1, None)
    assert row.provider_id.startswith("SM")


def test_a_row_is_handed_over_once_however_often_it_is_delivered(app, db, fake_twilio):
    row = send(app, db)
    policy = app.extensions["hotline.delivery_policy"]
    notifier = app.extensions["hotline.notifier"]
    later = fresh(db, row).created_at + dt.timedelta(hours=1)
    assert not delivery.deliver_one(db, notifier, row.id, now=later, policy=policy)
    assert jobs.deliver_due(app, later) == 0
    assert len(fake_twilio.messages()) == 1


def test_a_row_left_pending_by_a_crash_is_sent_by_the_clock_once(app, db, fake_twilio):
    row = service.send(db, app.extensions["hotline.notifier"], channel="sms", to="+819011112222", body="再送",
                       source="reminder:1")
    db.info.pop(delivery.AFTER_COMMIT)  # the process died right after its commit
    db.commit()
    assert fake_twilio.messages() == []
    due = fresh(db, row).next_attempt_at
    assert jobs.deliver_due(app, due - SECOND) == 0
    assert jobs.deliver_due(app, due) == 1
    assert jobs.deliver_due(app, due + dt.timedelta(hours=1)) == 0
    assert len(fake_twilio.messages()) == 1 and fresh(db, row).status == "sent"


def test_a_crash_during_the_hand_over_is_never_repeated_but_raised_to_a_person(app, db, factory, fake_twilio, client):
    case = factory.case()
    row = service.send(db, app.extensions["hotline.notifier"], channel="sms", to="+819011112222", body="途中で停止",
                       case_id=case.id, source="reminder:1")
    db.info.pop(delivery.AFTER_COMMIT)
    db.commit()
    claimed_at = fresh(db, row).next_attempt_at
    table = OutboxMessage.__table__
    # what deliver_one commits before calling Twilio; then the process dies
    db.execute(sa.update(table).where(table.c.id == row.id)
               .values(status="sending", attempts=1, next_attempt_at=None, status_at=claimed_at))
    db.commit()
    stuck = app.extensions["hotline.delivery_policy"].stuck_after
    assert jobs.deliver_due(app, claimed_at + stuck - SECOND) == 0
    assert jobs.deliver_due(app, claimed_at + stuck) == 1
    assert jobs.deliver_due(app, claimed_at + 10 * stuck) == 0  # raised once
    assert fake_twilio.messages() == []  # never handed over a second time
    row = fresh(db, row)
    assert row.status == "sending" and row.escalated_at == claimed_at + stuck
    (event,) = db.exec(select(AuditEvent).where(AuditEvent.kind == "message_undeliverable")).all()
    assert event.case_id == case.id and "no answer came back" in said(event)


def test_status_callbacks_move_the_row_forward_never_back(app, db, client, fake_twilio):
    row = fresh(db, send(app, db))
    assert callback(client, fake_twilio, row, "queued").status_code == 204
    assert fresh(db, row).status == "sent"
    assert callback(client, fake_twilio, row, "delivered").status_code == 204
    assert fresh(db, row).status == "delivered"
    assert callback(client, fake_twilio, row, "sent").status_code == 204  # late, out of order
    assert fresh(db, row).status == "delivered"


def test_a_callback_may_arrive_before_twilios_answer_is_recorded(app, db, client, fake_twilio):
    """Twilio may call back while our process is still between its request and recording the answer: the row
    is found by the id in the URL, and its status is not overwritten by the answer recorded after it."""
    row = service.send(db, app.extensions["hotline.notifier"], channel="sms", to="+819011112222", body="競合",
                       source="reminder:1")
    db.info.pop(delivery.AFTER_COMMIT)
    db.commit()
    table = OutboxMessage.__table__
    db.execute(sa.update(table).where(table.c.id == row.id).values(status="sending", attempts=1, next_attempt_at=None))
    db.commit()
    assert callback(client, fake_twilio, row, "delivered", sid="SM" + "f" * 32).status_code == 204
    row = fresh(db, row)
    assert (row.status, row.provider_id) == ("delivered", "SM" + "f" * 32)
    assert delivery.due(db, now=row.created_at + dt.timedelta(days=1)) == []


def test_call_status_callbacks_and_unknown_or_malformed_ones(app, db, client, fake_twilio):
    row = fresh(db, send(app, db, channel="voice", source="dispatch:999"))
    assert row.provider_id.startswith("CA")
    assert callback(client, fake_twilio, row, "completed", call=True).status_code == 204
    assert fresh(db, row).status == "delivered"
    other = fresh(db, send(app, db, to="+819033334444"))
    # a callback about another sid (an earlier attempt, or not ours) changes nothing
    assert callback(client, fake_twilio, other, "failed", sid="SM" + "0" * 32).status_code == 204
    assert fresh(db, other).status == "sent"
    url = "http://localhost/twilio/status?outbox=abc"
    for form in ({}, {"MessageSid": "SM1"}, {"MessageSid": "SM1", "MessageStatus": "exploded"},
                 {"MessageSid": "\x00", "MessageStatus": "failed"}, {"CallSid": "x" * 500, "CallStatus": "failed"}):
        sig = RequestValidator(fake_twilio.auth_token).compute_signature(url, form)
        assert client.post("/twilio/status?outbox=abc", data=form, headers={"X-Twilio-Signature": sig}).status_code == 204
    assert fresh(db, other).status == "sent"


def test_an_unsigned_or_wrongly_signed_callback_is_403(app, db, client, fake_twilio):
    row = fresh(db, send(app, db))
    assert callback(client, fake_twilio, row, "failed", signature="bogus").status_code == 403
    assert client.post(f"/twilio/status?outbox={row.id}", data={"MessageSid": row.provider_id,
                                                                "MessageStatus": "failed"}).status_code == 403
    assert fresh(db, row).status == "sent"


def test_a_failed_reminder_is_retried_with_backoff_then_raised_to_a_person(app, db, factory, client, fake_twilio,
                                                                          api_as):
    """DELIVERY_RETRY_DELAYS 1m, 5m, 15m: attempts at t0, t0+1m, t0+1m+5m, t0+1m+5m+15m; the fourth failure is
    raised to a person."""
    case = factory.case()
    fake_twilio.fail_with = (400, 21610, "Attempt to send to unsubscribed recipient")
    row = fresh(db, send(app, db, case_id=case.id))
    t0 = row.status_at
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, t0 + dt.timedelta(minutes=1))
    assert "21610" in row.error
    t = t0
    for attempt, wait in ((2, 1), (3, 5), (4, 15)):
        t += dt.timedelta(minutes=wait)
        assert jobs.deliver_due(app, t - SECOND) == 0
        assert jobs.deliver_due(app, t) == 1
        row = fresh(db, row)
        assert row.attempts == attempt and len(fake_twilio.messages()) == attempt
    assert (row.status, row.next_attempt_at, row.escalated_at) == ("failed", None, t)
    assert jobs.deliver_due(app, t + dt.timedelta(days=1)) == 0 and len(fake_twilio.messages()) == 4
    (listed,) = api_as(factory.user("coordinator")).get("/outbox").get_json()
    assert (listed["status"], listed["attempts"], listed["next_attempt_at"]) == ("failed", 4, None)
    assert listed["escalated_at"] and listed["handled_at"] is None
    (event,) = db.exec(select(AuditEvent).where(AuditEvent.kind == "message_undeliverable")).all()
    assert event.case_id == case.id and "could not be delivered after 4 attempts" in said(event)
    assert "4回" in said(event, "ja")
    login(client, factory.user("coordinator", language="ja"))
    for page in ("/dashboard", "/outbox/"):
        html = client.get(page).get_data(as_text=True)
        assert "届かなかったメッセージ" in html and case.reference in html and "+819011112222" in html


def test_an_undelivered_callback_is_retried_and_a_later_success_ends_it(app, db, client, factory, fake_twilio):
    case = factory.case()
    row = fresh(db, send(app, db, case_id=case.id))
    first_sid = row.provider_id
    assert callback(client, fake_twilio, row, "undelivered", error="30003").status_code == 204
    row = fresh(db, row)
    assert (row.status, row.error, row.attempts) == ("undelivered", "Twilio error 30003", 1)
    assert jobs.deliver_due(app, row.next_attempt_at) == 1
    row = fresh(db, row)
    assert (row.status, row.attempts, row.escalated_at) == ("sent", 2, None)
    assert row.provider_id.startswith("SM") and row.provider_id != first_sid
    assert callback(client, fake_twilio, row, "delivered").status_code == 204
    assert fresh(db, row).status == "delivered"


def test_messages_no_longer_needed_or_of_other_kinds_are_not_retried(app, db, factory, fake_twilio):
    fake_twilio.fail_with = (500, 20500, "Internal Server Error")
    closed = factory.case(status="closed")
    invitation = fresh(db, send(app, db, source="invitation:1", channel="sms"))
    reminder = fresh(db, send(app, db, case_id=closed.id))
    dispatch = fresh(db, send(app, db, source="dispatch:12345"))
    for row in (invitation, reminder, dispatch):
        assert (row.status, row.next_attempt_at, row.escalated_at) == ("failed", None, None)


def test_the_coordinator_marks_a_raised_message_handled(app, db, factory, client, fake_twilio):
    from tests.support import post_form

    case = factory.case()
    fake_twilio.fail_with = (400, 21211, "Invalid 'To' Phone Number")
    row = fresh(db, send(app, db, case_id=case.id))
    for _ in range(3):
        jobs.deliver_due(app, fresh(db, row).next_attempt_at)
    assert fresh(db, row).escalated_at is not None
    login(client, factory.user("coordinator", language="ja"))
    r = post_form(client, f"/outbox/{row.id}/handled", {}, form_page="/dashboard")
    assert r.status_code == 302
    assert fresh(db, row).handled_at is not None
    assert "届かなかったメッセージ" not in client.get("/dashboard").get_data(as_text=True)
    kinds = [e.kind for e in db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id))]
    assert kinds[-2:] == ["message_undeliverable", "message_handled"]
    query = parse_qs(urlsplit(fake_twilio.messages()[0].form["StatusCallback"]).query)
    assert query == {"outbox": [str(row.id)]}


def test_a_late_callback_about_the_previous_attempt_does_not_touch_the_retry(app, db, client, factory, fake_twilio):
    """The first attempt failed; while the retry is being handed over, Twilio's late callback about the first one
    arrives: it must not mark the retry failed (which would schedule yet another hand-over)."""
    case = factory.case()
    row = fresh(db, send(app, db, case_id=case.id))
    first_sid = row.provider_id
    assert callback(client, fake_twilio, row, "undelivered", error="30005").status_code == 204
    table = OutboxMessage.__table__
    db.execute(sa.update(table).where(table.c.id == row.id)  # what deliver_one commits for the retry
               .values(status="sending", attempts=2, next_attempt_at=None))
    db.commit()
    assert callback(client, fake_twilio, fresh(db, row), "failed", sid=first_sid).status_code == 204
    row = fresh(db, row)
    assert (row.status, row.attempts, row.next_attempt_at, row.provider_id) == ("sending", 2, None, first_sid)
