"""Issue 14: internal timeline entries (staff notes, logged calls, dispatch briefs, warning overrides) never reach an
insured, on any path: the timeline API and its CSV, the page's CSV, the insured's incident page, the claim report.
A note written as shared does. And no staff phone or e-mail reaches an insured either."""
from __future__ import annotations

import json

import pytest

from hotline.orgs.models import Organization
from tests.hotline.dispatch.test_dispatch import add_vendor
from tests.support import login

SECRET_NOTE, SHARED_NOTE, SECRET_CALL, BRIEF = "社内メモ：免責の可能性", "共有：調査会社が明日伺います", "通話：社長と協議", \
    "社内限り：経営陣の関与"


@pytest.fixture
def world(factory, api_as, db):
    policy = factory.policy()
    org = db.get(Organization, policy.organization_id)
    coordinator = factory.user("coordinator", phone="+819055556666", email="coord.secret@hotline.example")
    insured = factory.user("insured", org)
    coord = api_as(coordinator)
    case = factory.case(policy, attack_confirmed="yes", coordinator_id=coordinator.id)
    ref = case.reference
    assert coord.post(f"/cases/{ref}/notes", json={"text": SECRET_NOTE}).get_json()["internal"] is True
    assert coord.post(f"/cases/{ref}/notes", json={"text": SHARED_NOTE, "internal": False}).get_json()[
        "internal"] is False
    assert coord.post(f"/cases/{ref}/notes", json={"kind": "call", "text": SECRET_CALL, "internal": False}
                      ).get_json()["internal"] is True  # a logged call stays internal
    vendor = add_vendor(coord, "法律事務所", caps=("legal",))
    r = coord.post(f"/cases/{ref}/dispatches", json={"vendor_id": vendor["id"], "capability": "legal", "brief": BRIEF,
                                                     "override_warnings": True})
    assert r.status_code == 201 and r.get_json()["warnings"]  # sent despite the consent warning
    return {"ref": ref, "coord": coord, "ins": api_as(insured), "insured": insured, "coordinator": coordinator}


def readable_by_insured(app, world) -> dict[str, str]:
    ref, ins = world["ref"], world["ins"]
    client = app.test_client()
    login(client, world["insured"])
    return {"api": json.dumps(ins.get(f"/cases/{ref}/timeline").get_json(), ensure_ascii=False),
            "api csv": ins.get(f"/cases/{ref}/timeline.csv").get_data(as_text=True),
            "page": client.get(f"/cases/{ref}/timeline").get_data(as_text=True),
            "page csv": client.get(f"/cases/{ref}/timeline.csv").get_data(as_text=True),
            "incident page": client.get(f"/incidents/{ref}").get_data(as_text=True),
            "claim report": ins.get(f"/cases/{ref}/claim-report.csv").data.decode("utf-8-sig"),
            "claim report page": client.get(f"/cases/{ref}/claim-report").get_data(as_text=True)}


def test_internal_entries_never_reach_the_insured_and_shared_notes_do(app, world):
    for where, text in readable_by_insured(app, world).items():
        for secret in (SECRET_NOTE, SECRET_CALL, BRIEF, "coord.secret@hotline.example", "+819055556666",
                       "090-5555-6666"):
            assert secret not in text, (where, secret)
        assert SHARED_NOTE in text, where


def test_staff_read_every_entry_with_its_flag(world):
    entries = {e["summary"]: e for e in world["coord"].get(f"/cases/{world['ref']}/timeline").get_json()}
    assert entries[SECRET_NOTE]["internal"] is True and entries[SHARED_NOTE]["internal"] is False
    assert entries[SECRET_CALL]["internal"] is True
    kinds = {e["kind"]: e["internal"] for e in entries.values()}
    assert kinds["vendor_dispatched"] is True and kinds["warnings_overridden"] is True
    assert kinds["vendor_notified"] is False  # not internal, though not of the kinds insureds read


def test_the_note_form_is_internal_unless_unticked(app, world, db):
    from sqlmodel import select

    from hotline.audit.models import AuditEvent
    from tests.support import csrf_from

    client = app.test_client()
    login(client, world["coordinator"])
    path = f"/cases/{world['ref']}/timeline"
    page = client.get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert 'name="internal" checked' in page and "社内限り" in page
    token = csrf_from(client, path)
    client.post(f"/cases/{world['ref']}/notes", data={"kind": "note", "text": "既定は社内", "internal": "on",
                                                      "csrf_token": token})
    client.post(f"/cases/{world['ref']}/notes", data={"kind": "note", "text": "共有する", "csrf_token": token})
    db.expire_all()
    flags = {e.params["text"]: e.internal for e in db.exec(select(AuditEvent).where(AuditEvent.kind == "note_added"))}
    assert flags["既定は社内"] is True and flags["共有する"] is False
    assert "共有する" in [e["summary"] for e in world["ins"].get(f"/cases/{world['ref']}/timeline").get_json()]
