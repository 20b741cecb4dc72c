"""axe-core (npm, installed by tests/browser/conftest.py) in Chromium on the main pages, in Japanese as each of their
users sees them: no violation of serious or critical impact (contrast below 4.5:1, an unnamed meter, a field
without a name, an ARIA attribute pointing nowhere, ...). The policy's pages run under the app's
Content-Security-Policy: axe is added as an init script of the browser, not as an inline script of the page."""
from __future__ import annotations

import pytest
from sqlmodel import select

from hotline.cases.models import Case
from hotline.costs import demo as costs_demo
from hotline.demo import load
from hotline.orgs.models import Organization, Policy
from tests.support import FAST_HASH, browser_login

pytestmark = pytest.mark.browser
SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"] if v["impact"] in SERIOUS]


def test_the_main_pages_have_no_serious_accessibility_violation(page, live_server, live_app, live_factory,
                                                                 axe_source, tmp_path):
    """A screenshot of each page is saved under the test's tmp_path."""
    with live_app.app_context():
        load(live_factory.s, hash_method=FAST_HASH)  # the demo companies, their cases, costs and vendors
    plan_a = costs_demo.SUMMARY.format(plan="A")
    case = live_factory.s.exec(select(Case).where(Case.summary == plan_a)).one()  # costs at every status
    policy = live_factory.s.get(Policy, case.policy_id)
    users = {role: live_factory.user(role) for role in ("operator", "coordinator", "admin")}
    users["insured"] = live_factory.user("insured", live_factory.s.get(Organization, policy.organization_id))
    page.context.add_init_script(path=str(axe_source))
    ref = case.reference
    visits = [
        (None, "/login"),
        ("operator", "/dashboard"), ("operator", "/cases/new"),
        ("coordinator", "/dashboard"), ("coordinator", f"/cases/{ref}"), ("coordinator", f"/cases/{ref}/coverage"),
        ("coordinator", f"/cases/{ref}/costs/new"), ("coordinator", f"/cases/{ref}/phases"),
        ("coordinator", f"/cases/{ref}/dispatches?capability=forensics"), ("coordinator", f"/policies/{policy.id}/coverage"),
        ("admin", "/admin/users"),
        ("insured", "/dashboard"), ("insured", f"/incidents/{ref}"), ("insured", f"/incidents/{ref}/costs/new"),
    ]
    problems, who = [], None
    for i, (role, path) in enumerate(visits):
        if role != who:
            page.context.clear_cookies()
            if role:
                browser_login(page, live_server, users[role])
            who = role
        page.goto(live_server + path)
        assert page.evaluate("typeof axe") == "object", path
        problems += [f"{role} {path}: {v}" for v in axe_violations(page)]
        page.screenshot(path=str(tmp_path / f"{i:02d}-{role}{path.replace('/', '_')}.png"), full_page=True)
    # A refused intake form: the errors beside their fields, the fields marked invalid.
    page.context.clear_cookies()
    browser_login(page, live_server, users["operator"])
    page.goto(f"{live_server}/cases/new")
    page.fill("#policy", policy.policy_number)
    page.fill("textarea[name=summary]", "ランサムウェア")
    page.fill("input[name=first_discovered_at]", "2099/01/01 09:00")  # in the future: refused
    page.fill("input[name=contact_phone]", "090-12")
    page.click("#intake button[type=submit]")
    page.wait_for_selector(".field-error")
    problems += [f"operator refused intake: {v}" for v in axe_violations(page)]
    assert not problems, "\n".join(problems)


def test_a_content_security_policy_violation_is_caught(page, live_server, csp_violations):
    """The listener of tests/browser/conftest.py sees what the policy blocks (here an inline script and style)."""
    page.goto(f"{live_server}/login")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                             document.body.append(s); document.body.setAttribute('style', 'color: red'); }""")
    assert page.evaluate("window.ran") is None  # blocked
    for _ in range(200):  # console events arrive asynchronously: wait for them (up to 20 s), no fixed margin
        if len(csp_violations) >= 2:
            break
        page.wait_for_timeout(100)
    assert any("Content Security Policy" in v for v in csp_violations), csp_violations
    csp_violations.clear()
