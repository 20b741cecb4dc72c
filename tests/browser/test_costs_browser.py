"""A coordinator records a cost in Chromium (Japanese UI), is warned about consent, and reads the coverage."""
import pytest

from tests.support import browser_login, jst

pytestmark = pytest.mark.browser


def test_coordinator_records_a_cost_and_sees_the_coverage(page, live_server, live_factory):
    policy = live_factory.policy(plan="A")
    case = live_factory.case(policy, attack_confirmed="yes", publication_made_at=jst(2026, 4, 12, 9))
    browser_login(page, live_server, live_factory.user("coordinator"))
    page.goto(f"{live_server}/cases/{case.reference}/costs/new")
    page.select_option("#category", "investigation")
    assert page.is_visible(".explain[data-category=investigation]")  # the chosen category is explained
    page.fill("#amount_jpy", "6000000")
    page.fill("#arose_on", "2026-04-15")
    page.click("form.cost-form button[type=submit]")
    page.wait_for_url(f"{live_server}/cases/{case.reference}/coverage*")
    assert "¥6,000,000" in page.inner_text("#claimed-total")
    assert "¥5,000,000" in page.inner_text("#payable-total")
    assert "¥1,000,000はプランAの②③④共通支払限度額¥5,000,000（1事故あたり）を超過" in page.inner_text("table.coverage")
    assert page.locator(".limit-bar.full").count() >= 1

    # A consent-required cost: warned first, recorded after confirming, then consent makes it payable.
    page.goto(f"{live_server}/cases/{case.reference}/costs/new")
    page.select_option("#category", "system_restoration")
    page.fill("#amount_jpy", "1000000")
    page.fill("#arose_on", "2026-04-16")
    page.click("form.cost-form button[type=submit]")
    assert "保険会社の書面による事前同意が必要です" in page.inner_text("div.flash.warning")
    page.check("#confirm_warnings")
    page.click("form.cost-form button[type=submit]")
    page.wait_for_url(f"{live_server}/cases/{case.reference}/coverage*")
    assert "同意待ち" in page.inner_text("table.coverage")
    page.fill("input[name=consent_ref]", "TM-2026-0099")
    with page.expect_navigation():  # the URL already matches /coverage: wait for the new page itself
        page.click("form.consent-form button[type=submit]")
    assert "¥6,000,000" in page.inner_text("#payable-total")
