"""Every API endpoint × every role: allowed roles get through, others get 403 (or 404 where the
caller may not know the thing exists), anonymous callers get 401.

Each domain adds its endpoints to ENDPOINTS. The last test fails when an /api/v1 route is missing here.
"""
import re

import pytest

ROLES = ("operator", "coordinator", "insured", "admin")

# (method, path template, roles allowed, JSON body or None). {case} is a case of the insured's own
# organisation; {other_case} one of another organisation; {policy} the own organisation's policy.
ENDPOINTS = [
    ("GET", "/organizations", {"operator", "coordinator", "admin"}, None),
    ("POST", "/organizations", {"coordinator", "admin"}, {"name": "新規株式会社"}),
    ("GET", "/policies", {"operator", "coordinator", "admin", "insured"}, None),
    ("GET", "/policies/{policy}", {"operator", "coordinator", "admin", "insured"}, None),
    ("POST", "/policies", {"coordinator", "admin"},
     {"organization_id": "{org}", "product": "tm-juas-2026", "plan": "A", "policy_number": "M-{n}",
      "period_start": "2026-03-01T16:00:00+09:00", "period_end": "2027-03-01T16:00:00+09:00"}),
    ("GET", "/outbox", {"coordinator", "admin"}, None),
]


@pytest.fixture
def world(factory):
    own, other = factory.org(), factory.org()
    own_policy, other_policy = factory.policy(own), factory.policy(other)
    return {"org": own.id, "policy": own_policy.id,
            "case": factory.case(own_policy).reference, "other_case": factory.case(other_policy).reference,
            "own_org": own}


def _fill(value, world, n):
    if isinstance(value, str):
        for key in ("case", "other_case", "policy", "org"):
            if value == "{" + key + "}":
                return world[key]
        return value.replace("{n}", str(n)).format(**{k: v for k, v in world.items() if k != "own_org"})
    if isinstance(value, dict):
        return {k: _fill(v, world, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world, n) for v in value]
    return value


def _call(api, method, path, body):
    return getattr(api, method.lower())(path, json=body) if body is not None else getattr(api, method.lower())(path)


@pytest.mark.parametrize("method,path,allowed,body", ENDPOINTS, ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS])
def test_roles(method, path, allowed, body, world, factory, api_as, client):
    from tests.conftest import Api

    url = _fill(path, world, 0)
    assert _call(Api(client, None), method, url, _fill(body, world, 0)).status_code == 401
    for n, role in enumerate(ROLES, start=1):
        user = factory.user(role, world["own_org"] if role == "insured" else None)
        r = _call(api_as(user), method, url, _fill(body, world, n))
        if role in allowed:
            assert r.status_code not in (401, 403, 404), (role, r.status_code, r.get_json())
        else:
            assert r.status_code in (403, 404), (role, r.status_code)
            assert r.get_json()["error"]["code"] in ("forbidden", "not_found")


@pytest.mark.parametrize("method,path,allowed,body",
                         [e for e in ENDPOINTS if "{case}" in e[1] and "insured" in e[2]],
                         ids=[f"{m} {p}" for m, p, a, b in ENDPOINTS if "{case}" in p and "insured" in a])
def test_insured_gets_404_for_another_companys_case(method, path, allowed, body, world, factory, api_as):
    insured = api_as(factory.user("insured", world["own_org"]))
    url = path.replace("{case}", world["other_case"])
    r = _call(insured, method, _fill(url, world, 99), _fill(body, world, 99))
    assert r.status_code == 404


def _shape(path: str) -> str:
    """'/cases/{case}/costs?x=1' and '/cases/<reference>/costs' both become '/cases/*/costs'."""
    path = re.sub(r"\{[^}]+\}|<[^>]+>", "*", path.split("?")[0])
    return path.rstrip("/")


def test_every_api_route_is_in_the_matrix(app):
    covered = {(m, _shape(p)) for m, p, *_ in ENDPOINTS}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, _shape(rule.rule.removeprefix("/api/v1"))) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"add these to ENDPOINTS: {missing}"
