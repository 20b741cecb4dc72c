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
    # Case intake and the clocks (issue 3).
    ("POST", "/cases", {"operator", "coordinator"},
     {"policy_id": "{policy}", "first_discovered_at": "2026-04-10T23:30:00+09:00", "summary": "不審な通信 {n}"}),
    ("GET", "/cases", {"operator", "coordinator", "insured"}, None),
    ("GET", "/cases/{case}", {"operator", "coordinator", "insured"}, None),
    ("PATCH", "/cases/{case}", {"operator", "coordinator"}, {"summary": "更新 {n}"}),
    ("GET", "/cases/{case}/deadlines", {"operator", "coordinator", "insured"}, None),
    ("POST", "/cases/{case}/deadlines/{deadline_kind}/met", {"operator", "coordinator"},
     {"met_at": "2026-04-12T10:00:00+09:00"}),
    # The response workflow (issue 5): phases, tasks, timeline, notes, metrics.
    ("GET", "/cases/{case}/phases", {"operator", "coordinator", "insured"}, None),
    ("POST", "/cases/{case}/phases/{phase_key}", {"operator", "coordinator"}, {"action": "complete"}),
    ("POST", "/cases/{case}/tasks", {"operator", "coordinator"}, {"phase": "intake", "title": "折り返し電話 {n}"}),
    ("POST", "/cases/{case}/tasks/{task}", {"operator", "coordinator"}, {"status": "done"}),
    ("GET", "/cases/{case}/timeline", {"operator", "coordinator", "insured"}, None),
    ("GET", "/cases/{case}/timeline.csv", {"operator", "coordinator", "insured"}, None),
    ("POST", "/cases/{case}/notes", {"operator", "coordinator"}, {"kind": "call", "text": "被保険者から電話 {n}"}),
    ("GET", "/metrics", {"operator", "coordinator", "admin"}, None),
    # Vendors and dispatch (issue 6).
    ("POST", "/vendors", {"coordinator", "admin"},
     {"name": "業者 {n}", "capabilities": ["forensics"], "hours": "24x7",
      "contacts": [{"name": "当番", "phone": "+81300000101"}]}),
    ("GET", "/vendors", {"operator", "coordinator", "admin"}, None),
    ("GET", "/vendors?capability=forensics", {"operator", "coordinator", "admin"}, None),
    ("GET", "/vendors/{vendor}", {"operator", "coordinator", "admin"}, None),
    ("PATCH", "/vendors/{vendor}", {"coordinator", "admin"}, {"note": "更新 {n}"}),
    ("POST", "/cases/{case}/dispatches", {"coordinator", "admin"},
     {"vendor_id": "{vendor}", "capability": "forensics", "brief": "調査 {n}", "override_warnings": True}),
    ("GET", "/cases/{case}/dispatches", {"operator", "coordinator", "admin"}, None),
    ("GET", "/cases/{case}/dispatches/{dispatch}", {"operator", "coordinator", "admin"}, None),
    ("POST", "/cases/{case}/dispatches/{dispatch}", {"coordinator", "admin"}, {"action": "release"}),
    # Cost ledger and coverage (issue 4).
    ("POST", "/cases/{case}/costs", {"operator", "coordinator", "insured"},
     {"category": "other.staff", "amount_jpy": 1000, "arose_on": "2026-04-15"}),
    ("GET", "/cases/{case}/costs", {"operator", "coordinator", "insured"}, None),
    ("PATCH", "/cases/{case}/costs/{cost}", {"operator", "coordinator"}, {"note": "更新 {n}"}),
    ("DELETE", "/cases/{case}/costs/{cost}", {"operator", "coordinator"}, None),
    ("POST", "/cases/{case}/costs/{cost}/consent", {"operator", "coordinator"}, {"consent_ref": "TM-{n}"}),
    ("GET", "/cases/{case}/coverage", {"operator", "coordinator", "insured"}, None),
    ("GET", "/policies/{policy}/coverage", {"operator", "coordinator", "insured"}, None),
]


@pytest.fixture
def world(factory):
    own, other = factory.org(), factory.org()
    own_policy, other_policy = factory.policy(own), factory.policy(other)
    return {"org": own.id, "policy": own_policy.id,
            "case": factory.case(own_policy).reference, "other_case": factory.case(other_policy).reference,
            "own_org": own, "task": _a_task(factory), "phase_key": "intake", "deadline_kind": "gdpr_authority",
            **_a_vendor_and_dispatch(factory, own_policy), "cost": _a_cost_line(factory, own_policy)}


def _a_cost_line(factory, policy) -> int:
    """A cost line on the own organisation's case (issue 4)."""
    import datetime as dt

    from sqlmodel import select

    from hotline.cases.models import Case
    from hotline.costs.models import CostLine

    case = factory.s.exec(select(Case).where(Case.policy_id == policy.id)).first()
    line = CostLine(case_id=case.id, category="advisory", amount_jpy=100_000, arose_on=dt.date(2026, 4, 15))
    factory.s.add(line)
    factory.s.commit()
    return line.id


def _a_vendor_and_dispatch(factory, policy) -> dict:
    """A vendor and an accepted dispatch on the own organisation's case (issue 6)."""
    from sqlmodel import select

    from hotline.cases.models import Case
    from hotline.dispatch.models import Dispatch, Vendor, VendorContact

    case = factory.s.exec(select(Case).where(Case.policy_id == policy.id)).first()
    vendor = Vendor(name="権限テスト業者", capabilities=["forensics"], hours="24x7")
    factory.s.add(vendor)
    factory.s.flush()
    factory.s.add(VendorContact(vendor_id=vendor.id, name="当番", phone="+81300000101"))
    dispatch = Dispatch(case_id=case.id, requested_vendor_id=vendor.id, vendor_id=vendor.id, capability="forensics",
                        brief="x", status="accepted")
    factory.s.add(dispatch)
    factory.s.commit()
    return {"vendor": vendor.id, "dispatch": dispatch.id}


def _a_task(factory) -> int:
    """A hand-added task on the own organisation's case (the newest-but-one case), for /tasks/{task}."""
    from sqlmodel import select

    from hotline.cases.models import Case
    from hotline.phases.service import add_task

    own_case = factory.s.exec(select(Case).order_by(Case.id.desc())).all()[1]
    return add_task(factory.s, own_case, phase_key="intake", title="確認").id


def _fill(value, world, n):
    if isinstance(value, str):
        for key in ("case", "other_case", "policy", "org", "vendor"):
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
    from tests.support import Api

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
