"""Finding any case (issue 11): the case list page and the top bar's search, `GET /api/v1/cases?q=` and its
filters. Each field is searched as people type it in Japan, on the page and through the API; an insured's
search never returns another company's case."""
import datetime as dt

import pytest
from sqlmodel import select

from hotline.cases.models import Case
from hotline.db import utcnow
from hotline.orgs.models import Organization, Policy
from hotline.validation import search_key
from tests.support import login


def body(policy, **kw):
    return {"policy_id": policy.id, "first_discovered_at": "2026-04-10T23:30:00+09:00",
            "reported_at": "2026-04-11T00:15:00+09:00", "summary": "不審な通信を検知", **kw}


@pytest.mark.parametrize(("typed", "key"), [
    ("株式会社東京商事", "東京商事"), ("東京商事(株)", "東京商事"), ("㈱東京商事", "東京商事"), ("東京商事 株式会社", "東京商事"),
    ("ｻｲﾊﾞｰ工業", "さいばー工業"), ("サイバー工業", "さいばー工業"), ("さいばー工業", "さいばー工業"),
    ("有限会社みなと精密", "みなと精密"), ("一般社団法人 日本協会", "日本協会"), ("ＪＵＡＳ－２０２６－００４２", "juas20260042"),
    ("juas 2026 0042", "juas20260042"), ("Acme Co., Ltd.", "acme"), ("株式会社", ""), ("  ", ""),
])
def test_search_key(typed, key):
    assert search_key(typed) == key


@pytest.fixture
def world(factory, api_as):
    """Three companies written as their registrations spell them, a case each through intake, one closed."""
    operator = factory.user("operator")
    coordinator = factory.user("coordinator", display_name="佐藤")
    api = api_as(operator)
    orgs = {name: factory.org(name) for name in ("株式会社東京商事", "ｻｲﾊﾞｰ工業(株)", "有限会社みなと精密")}
    policies = {name: factory.policy(org) for name, org in orgs.items()}
    policies["株式会社東京商事"].policy_number = "JUAS-2026-0042"
    factory.s.add(policies["株式会社東京商事"])
    factory.s.commit()
    refs = {
        "tokyo": api.post("/cases", json=body(policies["株式会社東京商事"], caller_phone="+81312345678",
                                               coordinator_id=coordinator.id)).get_json()["reference"],
        "cyber": api.post("/cases", json=body(policies["ｻｲﾊﾞｰ工業(株)"], contact_phone="+819012345678",
                                               eu_data_subjects=True)).get_json()["reference"],
        "minato": api.post("/cases", json=body(policies["有限会社みなと精密"])).get_json()["reference"],
    }
    minato = factory.s.exec(select(Case).where(Case.reference == refs["minato"])).one()
    minato.status, minato.phase = "closed", "closure"
    factory.s.add(minato)
    factory.s.commit()
    return {"api": api, "refs": refs, "orgs": orgs, "policies": policies, "operator": operator,
            "coordinator": coordinator}


def found(api, query: str) -> set[str]:
    r = api.get(f"/cases?{query}")
    assert r.status_code == 200, r.get_json()
    return {c["reference"] for c in r.get_json()}


def number_of(ref: str) -> str:
    return ref.rsplit("-", 1)[1]


def test_every_field_finds_the_case_through_the_api(world):
    api, refs = world["api"], world["refs"]
    tokyo, cyber, minato = refs["tokyo"], refs["cyber"], refs["minato"]
    searches = {
        # references: in full, with another prefix, the year and number, the number with or without zeros
        tokyo: [tokyo, tokyo.lower(), "HL-" + tokyo[3:], tokyo[3:], number_of(tokyo), str(int(number_of(tokyo))),
                "ＣＹ－" + tokyo[3:].replace("-", "ー")],
        # company names: kanji and kana as typed, legal forms and width ignored
        cyber: ["サイバー工業", "さいばー", "ｻｲﾊﾞｰ", "株式会社サイバー工業", "サイバー 工業", "090-1234-5678",
                "09012345678", "+81 90 1234 5678", "０９０（１２３４）５６７８", "+819012345678"],
        minato: ["みなと精密", "有限会社みなと", "ミナト"],
    }
    for ref, queries in searches.items():
        for q in queries:
            assert found(api, "q=" + q.replace("+", "%2B")) == {ref}, q
    for q in ("東京商事", "株式会社東京商事", "東京", "JUAS-2026-0042", "juas20260042", "ｊｕａｓ", "03-1234-5678",
              "03(1234)5678", "+81 3 1234 5678"):
        assert tokyo in found(api, "q=" + q.replace("+", "%2B")), q
    assert found(api, "q=大阪物産") == set() and found(api, "q=999999") == set()
    assert found(api, "q=%25") == set() and found(api, "q=_") == set()  # LIKE wildcards are text


def test_filters_and_pages(world, factory):
    api, refs = world["api"], world["refs"]
    assert found(api, "status=closed") == {refs["minato"]}
    assert found(api, "status=open") == {refs["tokyo"], refs["cyber"]}
    assert found(api, "status=all") == set(refs.values()) == found(api, "")
    assert found(api, "q=みなと&status=open") == set()  # a search keeps its filters
    assert found(api, "phase=closure") == {refs["minato"]}
    assert found(api, "phase=intake") == {refs["tokyo"], refs["cyber"]}
    assert found(api, f"coordinator_id={world['coordinator'].id}") == {refs["tokyo"]}
    # Overdue: the GDPR 72 h of the cyber case (discovered in April) has passed; the Tokyo case has no unmet
    # deadline (its insurer notice was the call).
    assert found(api, "overdue=true") == {refs["cyber"]} == found(api, "overdue=1&q=サイバー")
    assert found(api, "overdue=true&q=東京") == set()
    fresh = api.post("/cases", json=body(world["policies"]["株式会社東京商事"],
                                         first_discovered_at=(utcnow() - dt.timedelta(hours=1)).isoformat(),
                                         reported_at=utcnow().isoformat())).get_json()["reference"]
    assert fresh in found(api, "") and fresh not in found(api, "overdue=1")
    # The order: nearest unmet deadline first, then cases without one, newest first; a page is a slice of it.
    everything = [c["reference"] for c in api.get("/cases").get_json()]
    assert everything == [refs["cyber"], fresh, refs["minato"], refs["tokyo"]]
    assert [c["reference"] for c in api.get("/cases?limit=2&offset=1").get_json()] == everything[1:3]
    for bad in ("status=bogus", "phase=nothing", "coordinator_id=0", "overdue=maybe", "limit=-1", "offset=x",
                "limit=²"):
        r = api.get(f"/cases?{bad}")
        assert r.status_code == 422 and r.get_json()["error"]["fields"], bad
    assert found(api, f"q={'東' * 5000}") == set()  # a search box's text is cut, never refused


def test_an_insured_finds_only_their_own_company(world, factory, api_as):
    refs = world["refs"]
    insured = api_as(factory.user("insured", world["orgs"]["ｻｲﾊﾞｰ工業(株)"]))
    assert found(insured, "q=東京商事") == set()
    assert found(insured, f"q={refs['tokyo']}") == set()
    assert found(insured, "q=03-1234-5678") == set()
    assert found(insured, f"q={number_of(refs['tokyo'])}") == set()
    assert found(insured, "q=サイバー") == {refs["cyber"]}
    assert found(insured, "") == {refs["cyber"]}
    assert found(insured, f"organization_id={world['orgs']['株式会社東京商事'].id}") == set()


def test_the_list_page_searches_and_filters(world, client, factory):
    refs = world["refs"]
    login(client, world["operator"])
    page = client.get("/cases", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert all(ref in page for ref in refs.values())
    assert 'id="case-search"' in page and "search.js" in page  # the top bar's box and its shortcut
    # One case found: its page opens at once.
    for q in ("さいばー", "090-1234-5678", number_of(refs["cyber"])):
        r = client.get("/cases", query_string={"q": q})
        assert r.status_code == 302 and r.headers["Location"].endswith(f"/cases/{refs['cyber']}"), q
    # Several: the list, with the search kept in the box.
    another = factory.policy(factory.org("株式会社サイバー商会"))
    world["api"].post("/cases", json=body(another))
    page = client.get("/cases", query_string={"q": "サイバー"}).get_data(as_text=True)
    assert refs["cyber"] in page and refs["tokyo"] not in page and 'value="サイバー"' in page
    page = client.get("/cases", query_string={"status": "closed"}).get_data(as_text=True)
    assert refs["minato"] in page and refs["tokyo"] not in page
    page = client.get("/cases", query_string={"coordinator_id": world["coordinator"].id}).get_data(as_text=True)
    assert refs["tokyo"] in page and refs["cyber"] not in page and "佐藤" in page
    # Bad filters: said beside the field, in the page's language, never a 500.
    r = client.get("/cases", query_string={"page": "0", "phase": "x"}, headers={"Accept-Language": "ja"})
    assert r.status_code == 422
    assert client.get("/cases", query_string={"page": "２"}).status_code == 200  # full-width digits read


def test_the_page_is_paginated(client, factory, db):
    policy = factory.policy(factory.org("株式会社ページ送り"))
    db.add_all([Case(reference=f"CY-2025-{n:06d}", policy_id=policy.id, summary="x",
                     first_discovered_at=utcnow(), reported_at=utcnow()) for n in range(1, 53)])
    db.commit()
    login(client, factory.user("coordinator"))
    first = client.get("/cases").get_data(as_text=True)
    assert first.count(">CY-2025-") == 50 and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/cases?page=2").get_data(as_text=True)
    assert second.count(">CY-2025-") == 2 and 'rel="prev"' in second and 'rel="next"' not in second
    assert "CY-2025-000001" in second  # newest first among equals: the oldest last
    assert "CY-2025-" not in client.get("/cases?page=3").get_data(as_text=True)


def test_an_insured_has_their_list_on_their_dashboard(client, factory):
    login(client, factory.user("insured"))
    r = client.get("/cases?q=x")
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    assert 'id="case-search"' not in client.get("/dashboard").get_data(as_text=True)


def test_search_keys_follow_renames(db, factory, api_as):
    """Keys are kept by every ORM write (and, on SQLite, the full-text table by its triggers)."""
    org = factory.org("株式会社旧名商店")
    policy = factory.policy(org)
    case = factory.case(policy)
    api = api_as(factory.user("operator"))
    assert found(api, "q=旧名商店") == {case.reference}
    org.name = "新名ホールディングス株式会社"
    policy.policy_number = "ＮＥＷ－０１２３"
    db.add_all([org, policy])
    db.commit()
    assert db.get(Organization, org.id).search_key == "新名ほーるでぃんぐす"
    assert db.get(Policy, policy.id).search_key == "new0123"
    for q in ("新名", "ホールディングス", "新名ほーるでぃんぐす", "NEW-0123", "w01"):
        assert found(api, f"q={q}") == {case.reference}, q
    assert found(api, "q=旧名商店") == set() and found(api, "q=旧名") == set()
