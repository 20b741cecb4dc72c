"""GET /api/v1/calls and /calls/<id>, and POST /api/v1/cases with call_id: the ring instant is reported_at, the
caller's number the contact phone, and the call is on the case's timeline."""
from __future__ import annotations

import datetime as dt

import pytest

from hotline.calls import service
from hotline.db import utcnow
from tests.hotline.calls.support import AUTH_TOKEN, new_sid, post, twilio_form

INSURED_PHONE = "+819011112222"


@pytest.fixture
def world(app, db, factory, api_as):
    app.config.update(TWILIO_AUTH_TOKEN=AUTH_TOKEN)
    operator = factory.user("operator", phone="+81300000201", display_name="受付 花子")
    service.add_roster_entry(db, user_id=operator.id, weekdays="0123456", starts=dt.time(0), ends=dt.time(0),
                             position=0, actor=None)
    org = factory.org("アクメ株式会社")
    policy = factory.policy(org, start=utcnow() - dt.timedelta(days=100), end=utcnow() + dt.timedelta(days=200))
    factory.user("insured", org, phone=INSURED_PHONE)
    case = factory.case(policy)
    return {"operator": operator, "org": org, "policy": policy, "case": case, "api": api_as(operator),
            "insured_api": api_as(factory.user("insured", org)), "admin_api": api_as(factory.user("admin"))}


def _ring(client, number=INSURED_PHONE) -> str:
    sid = new_sid()
    assert post(client, "/twilio/voice", twilio_form(sid, number)).status_code == 200
    return sid


def _answered(client, sid, seconds=80):
    post(client, "/twilio/voice/menu", twilio_form(sid, INSURED_PHONE, Digits="1"))
    post(client, "/twilio/voice/dial-result?step=0", twilio_form(sid, INSURED_PHONE, DialCallStatus="completed",
                                                                 DialCallDuration=str(seconds)))


def test_the_caller_log_with_what_each_number_matched(client, world):
    sid = _ring(client)
    _answered(client, sid)
    _ring(client, "+815012345678")
    calls = world["api"].get("/calls").get_json()
    assert [c["from"] for c in calls] == ["+815012345678", INSURED_PHONE]  # newest first
    mine = calls[1]
    assert mine["sid"] == sid and mine["status"] == "answered" and mine["duration_seconds"] == 80
    assert mine["answered_by"] == {"id": world["operator"].id, "name": "受付 花子"}
    assert mine["organizations"][0]["name"] == "アクメ株式会社"
    assert mine["organizations"][0]["policies"][0]["policy_number"] == world["policy"].policy_number
    assert mine["open_cases"] == [{"reference": world["case"].reference, "status": "open", "phase": "intake"}]
    assert calls[0]["organizations"] == [] and calls[0]["open_cases"] == []
    one = world["api"].get(f"/calls/{mine['id']}")
    assert one.status_code == 200 and one.get_json() == mine
    assert world["api"].get("/calls/999999").status_code == 404


def test_filters(client, world):
    first = _ring(client)
    _answered(client, first)
    _ring(client, "+815012345678")
    api = world["api"]
    assert [c["sid"] for c in api.get("/calls?from=090-1111-2222").get_json()] == [first]
    assert [c["from"] for c in api.get("/calls?status=ringing").get_json()] == ["+815012345678"]
    assert len(api.get("/calls?status=open").get_json()) == 1
    future = (utcnow() + dt.timedelta(hours=1)).isoformat()
    assert api.get("/calls", query_string={"since": future}).get_json() == []
    assert api.get("/calls?case=CY-2099-000001").get_json() == []
    for bad in ("status=lost", "since=yesterday", "since=2026-11-28T10:00:00", "limit=²", "limit=5000"):
        response = api.get(f"/calls?{bad}")
        assert response.status_code == 422, bad


def test_staff_read_calls_and_insureds_do_not(client, world):
    assert world["insured_api"].get("/calls").status_code == 403
    assert world["admin_api"].get("/calls").status_code == 200  # admins read what operators read (issue 11)
    assert client.get("/api/v1/calls").status_code == 401


def test_a_case_opened_from_a_call_takes_its_ring_instant_and_number(client, db, world):
    sid = _ring(client)
    call = service.call_by_sid(db, sid)
    _answered(client, sid, seconds=200)
    body = {"policy_id": world["policy"].id, "call_id": call.id, "summary": "ランサムウェア",
            "first_discovered_at": (call.started_at - dt.timedelta(hours=3)).isoformat()}
    response = world["api"].post("/cases", body)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert dt.datetime.fromisoformat(case["reported_at"]) == call.started_at
    assert case["contact_phone"] == INSURED_PHONE and case["caller_phone"] == INSURED_PHONE
    timeline = world["api"].get(f"/cases/{case['reference']}/timeline").get_json()
    calls = [e for e in timeline if e["kind"] == "call_linked"]
    assert len(calls) == 1 and INSURED_PHONE in calls[0]["summary"] and "受付 花子" in calls[0]["summary"]
    assert "3 min 20 s" in calls[0]["summary"]
    assert [c["case_reference"] for c in world["api"].get(f"/calls?case={case['reference']}").get_json()] == [
        case["reference"]]
    # One call, one case.
    again = world["api"].post("/cases", {**body, "summary": "二度目"})
    assert again.status_code == 422 and "call_id" in again.get_json()["error"]["fields"]


def test_the_case_takes_the_ring_instant_however_late_it_is_typed_and_refuses_another(client, db, world):
    sid = _ring(client)
    call = service.call_by_sid(db, sid)
    body = {"policy_id": world["policy"].id, "call_id": call.id, "summary": "不審な通信",
            "first_discovered_at": (call.started_at - dt.timedelta(days=1)).isoformat()}
    other = world["api"].post("/cases", {**body, "reported_at": (call.started_at + dt.timedelta(minutes=40)).isoformat()})
    assert other.status_code == 422 and "reported_at" in other.get_json()["error"]["fields"]
    same = world["api"].post("/cases", {**body, "reported_at": call.started_at.isoformat()})
    assert same.status_code == 201
    assert dt.datetime.fromisoformat(same.get_json()["reported_at"]) == call.started_at
    # The call is still ringing: when it ends, its end is on the case too.
    post(client, "/twilio/voice/menu", twilio_form(sid, INSURED_PHONE, Digits="1"))
    post(client, "/twilio/voice/dial-result?step=0", twilio_form(sid, INSURED_PHONE, DialCallStatus="completed",
                                                                 DialCallDuration="45"))
    kinds = [e["kind"] for e in world["api"].get(f"/cases/{same.get_json()['reference']}/timeline").get_json()]
    assert "call_linked" in kinds and "call_ended" in kinds


def test_an_unknown_call_is_refused(world):
    response = world["api"].post("/cases", {"policy_id": world["policy"].id, "call_id": 424242, "summary": "x",
                                            "first_discovered_at": utcnow().isoformat()})
    assert response.status_code == 422 and "call_id" in response.get_json()["error"]["fields"]


def test_an_insured_never_reads_calls_on_their_timeline(client, db, world):
    sid = _ring(client)
    call = service.call_by_sid(db, sid)
    case = world["api"].post("/cases", {"policy_id": world["policy"].id, "call_id": call.id, "summary": "x",
                                        "first_discovered_at": (call.started_at - dt.timedelta(hours=1)).isoformat()})
    timeline = world["insured_api"].get(f"/cases/{case.get_json()['reference']}/timeline").get_json()
    assert timeline and not [e for e in timeline if e["kind"].startswith("call")]
