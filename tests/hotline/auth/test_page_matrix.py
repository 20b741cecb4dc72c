"""Every page × every role, through a real login: allowed roles see the page, others get 403 (or 404 for
another company's case), anonymous visitors are sent to the login page. The last test fails when a page
route is missing from PAGES."""
import re

import pytest

from tests.hotline.auth.test_api_matrix import _fill, world  # noqa: F401  (the shared fixture)
from tests.support import login

ROLES = ("operator", "coordinator", "insured", "admin")
STAFF_CASE = {"operator", "coordinator", "insured"}  # case.read: insureds on their own cases only

PAGES = [  # path, roles that may open it
    ("/dashboard", set(ROLES)),
    ("/admin/users", {"admin"}),
    ("/policies", {"operator", "coordinator", "admin"}),
    ("/policies/{policy}/coverage", STAFF_CASE),
    ("/outbox/", {"coordinator", "admin"}),
    ("/metrics", {"operator", "coordinator", "admin"}),
    ("/cases/new", {"operator", "coordinator"}),
    ("/cases/policy-lookup?q=x", {"operator", "coordinator"}),
    ("/cases/{case}", STAFF_CASE),
    ("/cases/{case}/costs", STAFF_CASE),
    ("/cases/{case}/costs/new", STAFF_CASE),
    ("/cases/{case}/coverage", STAFF_CASE),
    ("/cases/{case}/phases", STAFF_CASE),
    ("/cases/{case}/timeline", STAFF_CASE),
    ("/cases/{case}/timeline.csv", STAFF_CASE),
    ("/cases/{case}/dispatches", {"operator", "coordinator", "admin"}),
    ("/vendors", {"operator", "coordinator", "admin"}),
    ("/vendors/new", {"coordinator", "admin"}),
    ("/vendors/{vendor}", {"operator", "coordinator", "admin"}),
]
# Pages that need no account by design: login, the root redirect, a vendor's signed answer link.
PUBLIC = {"/", "/login", "/dispatch/answer/<token>"}


@pytest.mark.parametrize("role", ROLES)
def test_pages_for_each_role(role, world, factory, client):  # noqa: F811
    login(client, factory.user(role, world["own_org"] if role == "insured" else None))
    wrong = []
    for path, allowed in PAGES:
        url = _fill(path, world, 0)
        status = client.get(url).status_code
        if (role in allowed) != (status == 200) or (role not in allowed and status not in (403, 404)):
            wrong.append(f"{url}: {status}")
    assert not wrong, f"{role}: {wrong}"


def test_insured_gets_404_for_another_companys_case_pages(world, factory, client):  # noqa: F811
    login(client, factory.user("insured", world["own_org"]))
    for path, allowed in PAGES:
        if "{case}" in path and "insured" in allowed:
            url = _fill(path.replace("{case}", world["other_case"]), world, 0)
            assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_login(world, client):  # noqa: F811
    for path, _ in PAGES:
        response = client.get(_fill(path, world, 0))
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_every_page_is_in_the_matrix(app):
    listed = {re.sub(r"\{[^}]+\}", "*", p.split("?")[0]) for p, _ in PAGES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static", "/twilio/")) or "GET" not in rule.methods:
            continue
        if rule.rule in PUBLIC:
            continue
        if re.sub(r"<[^>]+>", "*", rule.rule) not in listed:
            missing.append(rule.rule)
    assert not missing, f"add these pages to PAGES: {missing}"
