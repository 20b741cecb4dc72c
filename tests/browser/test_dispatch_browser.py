"""A coordinator dispatches a demo vendor; the SMS is in the outbox; its accept link engages the vendor."""
import re

import pytest

from tests.support import browser_login

pytestmark = pytest.mark.browser


def test_coordinator_dispatches_a_demo_vendor_and_the_link_engages_it(page, browser, live_server, live_factory):
    from hotline.dispatch import demo

    demo.load(live_factory.s, [], {})
    live_factory.s.commit()
    case = live_factory.case(attack_confirmed="yes")
    browser_login(page, live_server, live_factory.user("coordinator"))

    page.goto(f"{live_server}/cases/{case.reference}")
    assert not page.is_visible("#dispatch select[name=capability]")  # folded: the case page fits on a screen
    page.click("#dispatch details.dispatch-new > summary")
    page.select_option("#dispatch select[name=capability]", "forensics")
    page.wait_for_url(re.compile(r".*capability=forensics.*"))
    lac = page.locator("#dispatch label", has_text="LAC")
    assert "24時間対応" in lac.inner_text()
    lac.locator("input[type=radio]").check()
    page.fill("#dispatch textarea[name=brief]", "ファイルサーバの暗号化。至急、現地調査を依頼します。")
    page.click("#dispatch button:has-text('手配')")
    assert "受諾を待っています" in page.inner_text("main")

    page.goto(f"{live_server}/outbox/")
    body = page.locator("td.body", has_text="ファイルサーバの暗号化").first.inner_text()
    link = re.search(r"https?://\S+/dispatch/answer/\S+", body).group(0)

    vendor = browser.new_context(locale="ja-JP").new_page()  # the vendor has no account
    vendor.goto(link)
    vendor.click("button:has-text('受諾する')")
    assert "ご受諾ありがとうございます" in vendor.inner_text("h1")
    vendor.context.close()

    page.goto(f"{live_server}/cases/{case.reference}")
    engaged = page.locator("#dispatch ul.engaged").inner_text()
    assert "LAC" in engaged
