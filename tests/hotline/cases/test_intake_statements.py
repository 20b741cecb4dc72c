"""One intake is a handful of statements: the token's user, the policy with the coordinator, the reference counter,
then the writes (one statement in all on PostgreSQL, data-modifying CTEs; one per table on SQLite, which has none),
one transaction. A count, not a timing: a query added to intake fails here."""
import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import select

from hotline.cases.models import Case
from hotline.db import utcnow
from hotline.deadlines.models import Deadline, Reminder
from hotline.phases.models import CasePhase, CaseTask
from tests.support import csrf_from, jst, login

# Written tables: case, deadline, reminder, phase, task, audit. SQLite has no data-modifying CTE: one each.
MOST = {"postgresql": 6, "sqlite": 3 + 6}


class Counter:
    def __init__(self, engine):
        self.statements, self.transactions = [], 0
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "commit", self._commit)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(" ".join(statement.split())[:80])

    def _commit(self, conn):
        self.transactions += 1


@pytest.fixture
def coordinator(factory):
    return factory.user("coordinator", phone="+819000000001")


def intake_body(policy, coordinator, **kw):
    return {"policy_id": policy.id, "first_discovered_at": (utcnow() - dt.timedelta(hours=70)).isoformat(),
            "summary": "ランサムウェア", "contact_phone": "+819000000002", "coordinator_id": coordinator.id,
            "eu_data_subjects": True, "personal_records_affected": 5000, "card_data": True, **kw}


def test_one_api_intake_is_a_few_statements_in_one_transaction(app, db, factory, api_as, coordinator):
    api = api_as(factory.user("operator"))
    policy = factory.policy(end=jst(2099, 1, 1))
    api.post("/cases", json=intake_body(policy, coordinator))  # warm: the first request loads the catalogue
    counter = Counter(app.extensions["hotline.engine"])
    r = api.post("/cases", json=intake_body(policy, coordinator))
    assert r.status_code == 201, r.get_json()
    dialect = app.extensions["hotline.engine"].dialect.name
    assert len(counter.statements) <= MOST[dialect], counter.statements
    assert counter.transactions == 1
    # and everything intake writes is there, as the answer says
    case = db.exec(select(Case).where(Case.reference == r.get_json()["reference"])).one()
    assert case.next_due_at is not None
    assert len(db.exec(select(Deadline).where(Deadline.case_id == case.id)).all()) == 6
    assert len(db.exec(select(CasePhase).where(CasePhase.case_id == case.id)).all()) == 9
    assert db.exec(select(CaseTask).where(CaseTask.case_id == case.id)).all()
    assert {r.recipient_role for r in db.exec(select(Reminder).where(Reminder.case_id == case.id))} == {
        "coordinator", "contact"}


def test_the_intake_page_is_one_transaction_too(app, client, factory, coordinator):
    operator = factory.user("operator")
    policy = factory.policy(end=jst(2099, 1, 1))
    login(client, operator)
    token = csrf_from(client, "/cases/new")
    form = {"csrf_token": token, "policy": policy.policy_number, "summary": "x", "caller_name": "山田",
            "first_discovered_at": (utcnow() - dt.timedelta(hours=3)).astimezone(dt.timezone(dt.timedelta(hours=9)))
            .strftime("%Y/%m/%d %H:%M"), "coordinator_id": str(coordinator.id)}
    counter = Counter(app.extensions["hotline.engine"])
    r = client.post("/cases/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert counter.transactions == 1
    # the page's own reads (the session's user) come on top of the API's count
    assert len([s for s in counter.statements if s.startswith(("INSERT", "WITH"))]) <= MOST[
        app.extensions["hotline.engine"].dialect.name] - 2
