"""No GET request writes anything: every page and every API read, for every role and for anonymous visitors,
on cases opened through the API and on a row loaded in bulk (completed by the backfill), leaves every row of
every table as it was."""
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel, select

from hotline.accounts import service as accounts
from hotline.accounts.links import AccountSettings
from hotline.accounts.links import make_token as account_token
from hotline.accounts.models import AccountLink
from hotline.dispatch.models import DispatchAttempt
from tests.support import PDF, login

ROLES = ("operator", "coordinator", "insured", "admin")
QUERIES = {  # further variants of some reads, with the filters people use
    "/vendors": ["?capability=forensics"], "/api/v1/vendors": ["?capability=forensics"],
    "/cases/{reference}/dispatches": ["?capability=legal"], "/api/v1/cases/{reference}/timeline": ["?format=csv"],
    "/api/v1/cases": ["?q=CY&status=open", "?q={reference}&overdue=true&status=all", "?q=株式会社&phase=intake"],
    "/cases": ["?q={reference}", "?q=テスト&status=closed&overdue=on&page=2"], "/api/v1/cases/{reference}/costs": ["?include_removed=1"],
    "/outbox/": ["?case={reference}"], "/api/v1/outbox": ["?case={reference}"], "/cases/policy-lookup": ["?q=POL"],
    "/calls": ["?status=to_call_back&from=090-1111-0000"], "/api/v1/calls": ["?case={reference}&status=missed"],
    "/cases/new": ["?call={call_id}"],
}


@pytest.fixture
def world(app, factory, api_as):
    """Everything a read can show: cases opened through the API and one loaded in bulk, deadlines, phases, a
    cost line, a vendor, a dispatch waiting for its answer, notes, messages in the outbox."""
    from hotline.dispatch.links import make_token

    own, other = factory.org(), factory.org()
    policy = factory.policy(own)
    users = {role: factory.user(role, own if role == "insured" else None, phone="+819011110000")
             for role in ROLES}
    coord = api_as(users["coordinator"])
    opened = coord.post("/cases", json={"policy_id": policy.id, "summary": "ランサムウェア",
                                        "first_discovered_at": "2026-04-10T23:30:00+09:00",
                                        "eu_data_subjects": True, "card_data": True,
                                        "contact_phone": "+819022220000"}).get_json()
    reference = opened["reference"]
    line = coord.post(f"/cases/{reference}/costs", json={"category": "investigation", "amount_jpy": 500000,
                                                         "arose_on": "2026-04-12"}).get_json()
    receipt = coord.post(f"/cases/{reference}/costs/{line['id']}/receipts", data={"file": (io.BytesIO(PDF), "r.pdf")},
                         content_type="multipart/form-data").get_json()
    coord.post(f"/cases/{reference}/messages", json={"body": "ご確認ください"})
    coord.post(f"/cases/{reference}/notes", json={"kind": "call", "text": "被保険者から電話"})
    vendor = coord.post("/vendors", json={"name": "調査社", "capabilities": ["forensics"], "hours": "24x7",
                                          "contacts": [{"name": "当番", "phone": "+81300000101"}]}).get_json()
    dispatch = coord.post(f"/cases/{reference}/dispatches", json={
        "vendor_id": vendor["id"], "capability": "forensics", "brief": "調査", "override_warnings": True}).get_json()
    bulk = factory.case(factory.policy(other))  # a row as the benchmark loads it, completed by the backfill
    attempt = factory.s.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == dispatch["id"])).one()
    api_as(users["insured"]).post(f"/cases/{reference}/messages", json={"body": "新しい質問です"})  # unread
    settings = AccountSettings.from_config(app.config)
    with app.app_context():
        _user, invitation = accounts.invite(factory.s, organization_id=own.id, email="invited@example.jp", name="招待",
                                            actor=None, settings=settings, notifier=app.extensions["hotline.notifier"])
        accounts.request_reset(factory.s, email=users["operator"].email, settings=settings,
                               notifier=app.extensions["hotline.notifier"])
    reset = factory.s.exec(select(AccountLink).where(AccountLink.purpose == "password_reset")).one()
    from hotline.calls.models import Call, RosterEntry  # a missed call the panel, the log and intake show

    call = Call(sid="CA" + "3" * 32, from_number="+819011110000", from_e164="+819011110000",
                started_at=bulk.reported_at, ended_at=bulk.reported_at, status="missed", organization_ids=[own.id])
    factory.s.add_all([call, RosterEntry(user_id=users["operator"].id, weekdays="0123456", starts=dt.time(0),
                                         ends=dt.time(0))])
    factory.s.commit()
    return {"users": users, "call_id": call.id, "tokens": {role: factory.token(u) for role, u in users.items()},
            "line_id": line["id"], "receipt_id": receipt["id"], "organization_id": own.id,
            "invitation_token": account_token(settings.secret_key, "invitation", invitation.id, invitation.nonce),
            "reset_token": account_token(settings.secret_key, "password_reset", reset.id, reset.nonce),
            "references": [reference, bulk.reference], "policy_ids": [policy.id, bulk.policy_id],
            "vendor_id": vendor["id"], "dispatch_id": dispatch["id"],
            "token": make_token(app.config["SECRET_KEY"], attempt.id)}


def _urls(app, world) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/static"):
            continue
        template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for query in ["", *QUERIES.get(template, [])]:
            for n in range(2):  # the case and policy of the own organisation, then of another one
                urls.append((template + query).format(
                    reference=world["references"][n], policy_id=world["policy_ids"][n],
                    vendor_id=world["vendor_id"], dispatch_id=world["dispatch_id"], token=world["token"],
                    line_id=world["line_id"], receipt_id=world["receipt_id"], organization_id=world["organization_id"],
                    invitation_token=world["invitation_token"], reset_token=world["reset_token"],
                    call_id=world["call_id"]))
    return sorted(set(urls))


def _snapshot(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
                for t in SQLModel.metadata.sorted_tables}


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_page_and_api_read_leaves_the_database_unchanged(role, app, world, client):
    if role is not None:
        login(client, world["users"][role])
    headers = {"Authorization": f"Bearer {world['tokens'][role]}"} if role else {}
    urls = _urls(app, world)
    assert len(urls) > 60 and any("/dispatch/answer/" in u for u in urls)
    engine = app.extensions["hotline.engine"]
    before = _snapshot(engine)
    statuses = {url: client.get(url, headers=headers if url.startswith("/api/") else {}).status_code
                for url in urls}
    assert _snapshot(engine) == before
    assert not [u for u, s in statuses.items() if s >= 500], statuses
    if role == "coordinator":  # the reads really were served, not refused
        assert all(statuses[u] == 200 for u in urls if u.startswith(("/api/v1/cases/", "/cases/"))
                   and world["references"][0] in u), statuses
