"""The operator finds a case from the top bar in Chromium: `/` focuses the search box from anywhere on the page (not
while typing in a field), Enter searches, one case found opens it; several make the list."""
import pytest

from tests.support import browser_login

pytestmark = pytest.mark.browser


def test_slash_finds_a_case_from_any_staff_page(page, live_server, live_factory):
    policy = live_factory.policy(live_factory.org("株式会社ブラウザ商事"))
    case = live_factory.case(policy, contact_phone="+819011112222")
    live_factory.case(live_factory.policy(live_factory.org("ブラウザ物産株式会社")))
    browser_login(page, live_server, live_factory.user("operator"))
    page.goto(f"{live_server}/cases/new")
    page.focus("#policy")  # typing in a field: "/" is a character of it
    page.keyboard.type("a/b")
    assert page.input_value("#policy") == "a/b"
    page.click("h1")  # out of the field: "/" goes to the search box
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "case-search"
    page.keyboard.type("090-1111-2222")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/cases/{case.reference}")
    page.keyboard.press("/")
    page.keyboard.type("ﾌﾞﾗｳｻﾞ")  # half-width kana, as some keyboards give it
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/cases?q=*")
    rows = page.inner_text("table.case-list")
    assert case.reference in rows and "株式会社ブラウザ商事" in rows and "ブラウザ物産株式会社" in rows
    assert page.input_value("#case-search") == "ﾌﾞﾗｳｻﾞ"
