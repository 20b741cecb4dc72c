"""The phone line in Chromium: an admin rings from the insured's number with the simulator; the call pops up on
the operator's panel with the company and its open case; the operator opens a new case from it (reported at the
ring instant) and, for a second call, opens the existing case."""
import datetime as dt
import re

import pytest
from sqlmodel import select

from hotline.calls import service
from hotline.calls.models import Call
from hotline.cases.models import Case
from tests.support import browser_login

pytestmark = pytest.mark.browser

NUMBER = "+81355550101"


def _ring(admin_page, base: str) -> None:
    admin_page.goto(f"{base}/admin/phone")
    admin_page.fill("#sim-number", "03-5555-0101")
    admin_page.select_option("select[name=keys]", "")  # the caller is still in the menu: the call is ringing
    admin_page.click("#sim-ring")
    admin_page.wait_for_selector("pre.transcript")


def test_a_call_pops_up_and_becomes_a_case_reported_at_the_ring_instant(page, live_server, live_factory):
    org = live_factory.org("株式会社着信商事")
    org.phone = NUMBER
    live_factory.s.add(org)
    live_factory.s.commit()
    policy = live_factory.policy(org, start=dt.datetime.now(dt.UTC) - dt.timedelta(days=30),
                                 end=dt.datetime.now(dt.UTC) + dt.timedelta(days=300))
    existing = live_factory.case(policy)
    operator = live_factory.user("operator", phone="+81300000201", display_name="受付 花子")
    service.add_roster_entry(live_factory.s, user_id=operator.id, weekdays="0123456", starts=dt.time(0),
                             ends=dt.time(0), position=0, actor=None)
    admin = live_factory.user("admin")

    browser_login(page, live_server, operator)
    admin_page = page.context.browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo").new_page()
    browser_login(admin_page, live_server, admin)

    _ring(admin_page, live_server)
    panel = page.locator("#call-panel")
    panel.locator("article.call-ringing").wait_for(timeout=20000)  # the panel polls every few seconds
    card = panel.locator("article.call-ringing").first
    assert NUMBER in card.inner_text() and "株式会社着信商事" in card.inner_text()
    assert policy.policy_number in card.inner_text() and existing.reference in card.inner_text()

    card.get_by_text("この着信から新規案件").click()
    page.wait_for_url(re.compile(rf"{live_server}/cases/new\?call=\d+"))
    assert page.locator("#from-call").is_visible()
    assert page.locator("#policy").input_value() == policy.policy_number  # the company's only policy
    page.get_by_label("最初に発見した日時（JST）").fill("2026/04/10 08:30")
    page.get_by_label("事象の内容").fill("ファイルが暗号化された")
    page.click("text=受付を登録")
    page.wait_for_url(re.compile(rf"{live_server}/cases/CY-\d{{4}}-\d{{6}}$"))
    reference = page.url.rsplit("/", 1)[1]
    live_factory.s.expire_all()
    case = live_factory.s.exec(select(Case).where(Case.reference == reference)).one()
    call = live_factory.s.exec(select(Call).where(Call.case_id == case.id)).one()
    assert case.reported_at == call.started_at and case.contact_phone == NUMBER

    # A second call about the case already open: one click puts it on that case's timeline.
    _ring(admin_page, live_server)
    panel.locator(f"article.call-ringing button:has-text('{existing.reference}')").first.wait_for(timeout=20000)
    panel.locator(f"article.call-ringing button:has-text('{existing.reference}')").first.click()
    page.wait_for_url(f"{live_server}/cases/{existing.reference}")
    page.goto(f"{live_server}/cases/{existing.reference}/timeline")
    assert NUMBER in page.inner_text("main")
