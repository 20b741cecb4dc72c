"""The insured's own pages: their incidents, and one incident in plain words (where it stands and what comes
next, each deadline with what they must do, vendors without contacts, costs with what is payable and what is
still needed, the timeline entries meant for them, messages). Nothing internal, no decision code, no staff
contact, nothing of another company."""
from __future__ import annotations

import re

import pytest

from tests.support import PDF, csrf_from, jst, login


@pytest.fixture
def world(app, db, factory, api_as):
    org = factory.org("株式会社サンプル商事")
    policy = factory.policy(org, end=jst(2099, 1, 1))
    insured = factory.user("insured", org, display_name="情報システム部 佐藤")
    coordinator = factory.user("coordinator", display_name="調整 太郎", phone="+81300009001",
                               email="coordinator@hotline.example")
    coord = api_as(coordinator)
    case = coord.post("/cases", json={
        "policy_id": policy.id, "summary": "ランサムウェアによる暗号化", "first_discovered_at": "2026-04-10T23:30:00+09:00",
        "reported_at": "2026-04-11T00:15:00+09:00", "personal_records_affected": 5000, "malicious": True,
        "attack_confirmed": "yes", "coordinator_id": coordinator.id}).get_json()
    ref = case["reference"]
    coord.post(f"/cases/{ref}/deadlines/appi_preliminary/met", json={"met_at": "2026-04-13T10:00:00+09:00"})
    lines = {name: coord.post(f"/cases/{ref}/costs", json=body).get_json()["id"] for name, body in {
        "investigation": {"category": "investigation", "amount_jpy": 6_000_000, "arose_on": "2026-04-12"},
        "advisory": {"category": "advisory", "amount_jpy": 800_000, "arose_on": "2026-04-12"},
        "consolation": {"category": "other.consolation_individual", "amount_jpy": 500_000, "arose_on": "2026-04-20",
                        "victims": 5000, "consent_ref": "TM-同意-1"},
    }.items()}
    vendor = coord.post("/vendors", json={"name": "一番調査株式会社", "capabilities": ["forensics"], "hours": "24x7",
                                          "contacts": [{"name": "当番", "phone": "+81300000101"}]}).get_json()
    dispatch = coord.post(f"/cases/{ref}/dispatches", json={"vendor_id": vendor["id"], "capability": "forensics",
                                                            "brief": "社内限り: 経営陣の関与を確認", "override_warnings": True}
                          ).get_json()
    coord.post(f"/cases/{ref}/dispatches/{dispatch['id']}", json={"action": "accept"})
    coord.post(f"/cases/{ref}/notes", json={"kind": "note", "text": "社内メモ: 保険会社と協議中"})
    other = factory.case(factory.policy(factory.org("他社株式会社")))
    return {"ref": ref, "insured": insured, "coordinator": coordinator, "lines": lines, "other": other,
            "org": org}


def page_of(app, user, path: str, lang: str = "ja") -> str:
    client = app.test_client()
    login(client, user)
    r = client.get(path, headers={"Accept-Language": lang})
    assert r.status_code == 200, (path, r.status_code)
    return r.get_data(as_text=True)


def test_the_dashboard_lists_the_insureds_incidents_in_plain_words(app, world):
    page = page_of(app, world["insured"], "/dashboard")
    assert world["ref"] in page and f"/incidents/{world['ref']}" in page
    assert "ホットラインがご連絡を受け付け" in page  # where it stands, in words
    assert world["other"].reference not in page and "他社株式会社" not in page


def test_the_incident_page_says_what_the_insured_needs(app, world):
    page = page_of(app, world["insured"], f"/incidents/{world['ref']}")
    assert "現在の状況" in page and "次に行うこと" in page
    # Deadlines: what they must do, the one deadline display, no decision code or DOMAIN source.
    assert "個人情報保護委員会（PPC）" in page and "送ったらホットラインにお知らせください" in page
    assert "24:00まで" in page and "期限内に完了" in page
    assert not re.search(r"[IH]-\d", page) and "DOMAIN" not in page
    # Vendors: the name, never the contact's phone; the dispatch brief and staff notes stay internal.
    for x in ("+81300000101",):
        assert x not in page, re.findall(".{200}" + re.escape(x) + ".{50}", page, re.S)
    assert "一番調査株式会社" in page
    assert "社内限り" not in page and "社内メモ" not in page
    # Staff contact details never: the coordinator by name only.
    assert "調整 太郎" in page and "coordinator@hotline.example" not in page and "+81300009001" not in page
    # Costs: what the policy pays, why, and what is still needed.
    assert "¥6,000,000" in page and "¥5,000,000" in page  # ③ capped by the shared ②③④ limit of plan A
    assert "保険会社の同意待ち" in page and "担当コーディネーターが保険会社に依頼します" in page  # ④ needs consent
    assert "公表または被害者へのお詫び状" in page  # ⑥カ waits for the publication measure
    assert "この費用の領収書または請求書" in page
    assert "他社株式会社" not in page and world["other"].reference not in page


def test_the_page_reads_in_english_too(app, world):
    page = page_of(app, world["insured"], f"/incidents/{world['ref']}", "en")
    assert "Where it stands" in page and "Tell the hotline when it is sent." in page


def test_a_receipt_unblocks_what_it_can_and_the_page_lists_it(app, world):
    client = app.test_client()
    login(client, world["insured"])
    path = f"/incidents/{world['ref']}"
    line = world["lines"]["investigation"]
    import io

    r = client.post(f"/cases/{world['ref']}/costs/{line}/receipts",
                    data={"file": (io.BytesIO(PDF), "調査費用.pdf"), "csrf_token": csrf_from(client, path)},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{path}#line-{line}")
    page = client.get(path).get_data(as_text=True)
    assert "調査費用.pdf" in page
    r = client.post(f"/cases/{world['ref']}/costs/{line}/receipts",
                    data={"file": (io.BytesIO(b"plain text"), "a.pdf"), "csrf_token": csrf_from(client, path)},
                    content_type="multipart/form-data", headers={"Accept-Language": "ja"})
    assert r.status_code == 422 and "PDF・JPEG・PNG・HEIC のファイルではありません" in r.get_data(as_text=True)


def test_staff_case_page_sends_an_insured_to_their_page_and_staff_may_look_at_it(app, world):
    client = app.test_client()
    login(client, world["insured"])
    r = client.get(f"/cases/{world['ref']}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/incidents/{world['ref']}")
    staff = page_of(app, world["coordinator"], f"/incidents/{world['ref']}")
    assert "社内メモ" not in staff  # what the insured sees
    assert page_of(app, world["coordinator"], f"/cases/{world['ref']}").count("/incidents/") >= 1


def test_another_companys_insured_gets_404(app, world, factory):
    stranger = factory.user("insured", factory.org("第三者株式会社"))
    client = app.test_client()
    login(client, stranger)
    for path in (f"/incidents/{world['ref']}", f"/incidents/{world['ref']}/costs/new",
                 f"/cases/{world['ref']}/claim-report", f"/cases/{world['ref']}/messages"):
        assert client.get(path).status_code == 404, path


def test_the_insureds_timeline_through_the_api_leaves_out_internal_entries(world, api_as):
    rows = api_as(world["insured"]).get(f"/cases/{world['ref']}/timeline").get_json()
    kinds = {r["kind"] for r in rows}
    assert "case_opened" in kinds and "vendor_accepted" in kinds and "cost_recorded" in kinds
    assert not kinds & {"note_added", "vendor_dispatched", "warnings_overridden", "vendor_notified", "task_added"}
    staff = {r["kind"] for r in api_as(world["coordinator"]).get(f"/cases/{world['ref']}/timeline").get_json()}
    assert {"note_added", "vendor_dispatched"} <= staff
