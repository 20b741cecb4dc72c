"""Organisations and policies over the API, with the contract's 422 error shape."""
import pytest


@pytest.fixture
def admin_api(api_as, factory):
    return api_as(factory.user("admin"))


def test_create_organization_and_policy(admin_api):
    r = admin_api.post("/organizations", {"name": "  株式会社テスト  "})
    assert r.status_code == 201
    org = r.get_json()
    assert org["name"] == "株式会社テスト" and isinstance(org["id"], int)
    r = admin_api.post("/policies", {"organization_id": org["id"], "product": "tm-juas-2026", "plan": "B",
                                     "policy_number": "JUAS-1", "period_start": "2026-03-01T16:00:00+09:00",
                                     "period_end": "2027-03-01T07:00:00Z"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["period_start"] == "2026-03-01T16:00:00+09:00"
    assert body["period_end"] == "2027-03-01T16:00:00+09:00"  # output in Tokyo time
    assert admin_api.get(f"/policies/{body['id']}").get_json()["policy_number"] == "JUAS-1"


@pytest.mark.parametrize("body,field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": 42}, "name"),
    ({"name": "x", "extra": 1}, "extra"),
])
def test_bad_organization_gets_422_with_field(admin_api, body, field):
    r = admin_api.post("/organizations", body)
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert err["code"] == "invalid" and err["message"] and field in err["fields"]


def _policy(org_id, **over):
    return {"organization_id": org_id, "product": "tm-juas-2026", "plan": "A", "policy_number": "P-1",
            "period_start": "2026-03-01T16:00:00+09:00", "period_end": "2027-03-01T16:00:00+09:00", **over}


@pytest.mark.parametrize("over,field", [
    ({"product": "unknown-product"}, "product"),
    ({"plan": "Z"}, "plan"),
    ({"period_start": "2026-03-01T16:00:00"}, "period_start"),  # no offset: never guessed
    ({"period_start": "not a date"}, "period_start"),
    ({"period_end": "2026-02-01T16:00:00+09:00"}, "period_end"),
    ({"organization_id": 999999}, "organization_id"),
    ({"organization_id": "1"}, "organization_id"),
    ({"policy_number": ""}, "policy_number"),
])
def test_bad_policy_gets_422_with_field(admin_api, factory, over, field):
    org = factory.org()
    r = admin_api.post("/policies", _policy(org.id, **over))
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"]


def test_duplicate_policy_number_is_422(admin_api, factory):
    org = factory.org()
    assert admin_api.post("/policies", _policy(org.id)).status_code == 201
    r = admin_api.post("/policies", _policy(org.id))
    assert r.status_code == 422 and "policy_number" in r.get_json()["error"]["fields"]


def test_body_that_is_not_json_object_is_422_not_500(admin_api, client):
    r = client.post("/api/v1/organizations", data="not json", content_type="application/json",
                    headers={"Authorization": f"Bearer {admin_api.token}"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"body": "expected a JSON object"}
    assert admin_api.post("/organizations", ["a list"]).status_code == 422


def test_unknown_api_path_is_json_404(admin_api):
    r = admin_api.get("/no-such-thing")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_policy_search_by_number_or_company(admin_api, factory):
    org = factory.org("みなと精密工業株式会社")
    policy = factory.policy(org)
    assert [p["id"] for p in admin_api.get("/policies?q=みなと").get_json()] == [policy.id]
    assert [p["id"] for p in admin_api.get(f"/policies?q={policy.policy_number.lower()}").get_json()] == [policy.id]


def test_insured_sees_only_their_own_policies(api_as, factory):
    mine, theirs = factory.org(), factory.org()
    p1, p2 = factory.policy(mine), factory.policy(theirs)
    insured = api_as(factory.user("insured", mine))
    assert [p["id"] for p in insured.get("/policies").get_json()] == [p1.id]
    assert insured.get(f"/policies/{p2.id}").status_code == 404
    assert insured.get(f"/policies/{p1.id}").status_code == 200


def test_openapi_document_lists_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/organizations", "/policies", "/outbox"} <= set(doc["paths"])


def test_every_api_route_is_documented_in_openapi(app, client):
    import re

    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(m.upper(), re.sub(r"\{[^}]+\}", "*", p)) for p, ops in doc["paths"].items() for m in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        shape = re.sub(r"<[^>]+>", "*", rule.rule.removeprefix("/api/v1"))
        missing += [f"{m} {rule.rule}" for m in rule.methods - {"HEAD", "OPTIONS"} if (m, shape) not in documented]
    assert not missing, f"not in the OpenAPI document: {missing}"


def test_numbers_too_large_for_the_database_are_not_500(admin_api, factory, api_as):
    huge = 10**30
    assert admin_api.get(f"/policies/{huge}").status_code == 422
    org = factory.org()
    r = admin_api.post("/policies", _policy(huge))
    assert r.status_code == 422
    r = admin_api.post("/policies", _policy(org.id, policy_number="X" * 60))
    assert r.status_code == 201
    operator = api_as(factory.user("operator"))
    r = operator.post("/cases", {"policy_id": huge, "first_discovered_at": "2026-04-10T10:00:00+09:00",
                                 "summary": "x"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"]
    case = factory.case()
    assert operator.delete(f"/cases/{case.reference}/costs/{huge}").status_code == 422
