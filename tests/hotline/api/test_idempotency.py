"""Issue 14: `Idempotency-Key` on the creating POSTs (cases, costs, dispatches, messages): a client retrying after a
dropped connection gets the first answer again and nothing is created twice (both databases)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import func, select

from hotline.cases.models import Case
from hotline.costs.models import CostLine
from hotline.idempotency import service as keys
from hotline.idempotency.models import IdempotencyKey
from hotline.messages.models import CaseMessage
from tests.support import jst


@pytest.fixture
def operator(factory):
    return factory.user("operator")


@pytest.fixture
def api(api_as, operator):
    return api_as(operator)


def case_body(policy, summary="再送テスト"):
    return {"policy_id": policy.id, "first_discovered_at": "2026-04-10T23:30:00+09:00",
            "reported_at": "2026-04-11T00:15:00+09:00", "summary": summary}


def count(db, model) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(model)).one()


def test_a_retried_case_is_opened_once_and_answered_the_same(api, factory, db):
    policy = factory.policy()
    key = {"Idempotency-Key": "3f1c2a9e-0b7d-4c1e-9a57-2b8f0c6d1e42"}
    first = api.post("/cases", json=case_body(policy), headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = api.post("/cases", json=case_body(policy), headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(db, Case) == 1
    # Without a key, a second request is a second case, as before.
    assert api.post("/cases", json=case_body(policy)).status_code == 201 and count(db, Case) == 2


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(api, factory, db):
    policy = factory.policy()
    key = {"Idempotency-Key": "k-1"}
    assert api.post("/cases", json=case_body(policy), headers=key).status_code == 201
    r = api.post("/cases", json=case_body(policy, "別の内容"), headers=key)
    assert r.status_code == 422 and "Idempotency-Key" in r.get_json()["error"]["fields"]
    assert count(db, Case) == 1


def test_keys_belong_to_their_user(api, api_as, factory, db):
    policy = factory.policy()
    key = {"Idempotency-Key": "shared-key"}
    assert api.post("/cases", json=case_body(policy), headers=key).status_code == 201
    other = api_as(factory.user("coordinator"))
    r = other.post("/cases", json=case_body(policy), headers=key)
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers and count(db, Case) == 2


def test_a_failed_request_frees_its_key_and_a_running_one_is_a_409(api, factory, db, operator):
    policy = factory.policy()
    key = {"Idempotency-Key": "retry-me"}
    bad = api.post("/cases", json={**case_body(policy), "first_discovered_at": "2026-04-10T23:30:00"}, headers=key)
    assert bad.status_code == 422 and count(db, IdempotencyKey) == 0  # nothing kept of a refused request
    assert api.post("/cases", json=case_body(policy), headers=key).status_code == 201
    db.add(IdempotencyKey(user_id=operator.id, key="running", request="x" * 64))
    db.commit()
    r = api.post("/cases", json=case_body(policy), headers={"Idempotency-Key": "running"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "idempotency_key_in_use"
    for bad_key in ("x" * 256, "日本語キー", "tab\tkey"):
        r = api.post("/cases", json=case_body(policy), headers={"Idempotency-Key": bad_key})
        assert r.status_code == 422 and "Idempotency-Key" in r.get_json()["error"]["fields"], bad_key
    assert count(db, Case) == 1


def test_a_key_lasts_24_hours(db, factory, operator):
    now = jst(2026, 4, 11, 9, 0)
    assert keys.claim(db, user_id=operator.id, key="day", request="a", now=now) is None
    keys.keep(db, user_id=operator.id, key="day", status=201, body="{}")
    assert keys.claim(db, user_id=operator.id, key="day", request="a", now=now + dt.timedelta(hours=23)) == \
        keys.Replay(201, "{}")
    # A day later the key is forgotten: the same key may start a new request.
    assert keys.claim(db, user_id=operator.id, key="day", request="b", now=now + dt.timedelta(hours=24, seconds=1)) \
        is None


def test_costs_and_messages_are_created_once_per_key(api, api_as, factory, db):
    case = factory.case()
    body = {"category": "investigation", "amount_jpy": 500_000, "arose_on": "2026-04-12"}
    answers = [api.post(f"/cases/{case.reference}/costs", json=body, headers={"Idempotency-Key": "cost-1"})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [201] * 3 and len({a.get_data() for a in answers}) == 1
    assert count(db, CostLine) == 1
    for _ in range(2):
        assert api.post(f"/cases/{case.reference}/messages", json={"body": "状況を教えてください"},
                        headers={"Idempotency-Key": "msg-1"}).status_code == 201
    assert count(db, CaseMessage) == 1


def test_the_openapi_document_describes_the_header(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/cases", "/cases/{reference}/costs", "/cases/{reference}/dispatches", "/cases/{reference}/messages"):
        names = [p.get("name") for p in doc["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path
