"""An operator on the phone opens a case through the intake page in Chromium, keyboard first."""
import re

import pytest

from tests.support import browser_login

pytestmark = pytest.mark.browser


def test_operator_opens_a_case_from_the_intake_page(page, live_server, live_factory):
    org = live_factory.org("株式会社ブラウザ商事")
    policy = live_factory.policy(org)
    operator = live_factory.user("operator")
    browser_login(page, live_server, operator)
    page.click("text=新規受付を開く")
    page.wait_for_url(f"{live_server}/cases/new")
    # the policy field has the focus: the operator types the company name and picks it from the list
    assert page.evaluate("document.activeElement.id") == "policy"
    page.keyboard.type("ブラウザ")
    page.wait_for_function("document.querySelectorAll('#policy-list option').length === 1")
    assert page.eval_on_selector("#policy-list option", "o => o.value") == policy.policy_number
    page.fill("#policy", policy.policy_number)
    page.get_by_label("連絡者の氏名").fill("山田太郎")
    page.get_by_label("最初に発見した日時（JST）").fill("2026-04-10T08:30")
    page.get_by_label("ホットラインへの連絡日時（JST）").fill("2026-04-10T09:00")
    page.get_by_label("事象の内容").fill("ランサムウェアの脅迫画面が表示された")
    page.get_by_label("影響を受けた個人データの件数").fill("1500")
    page.get_by_label("不正の目的のおそれ（不正アクセス、ランサムウェア、内部不正）").check()
    page.click("text=受付を登録")
    page.wait_for_url(re.compile(rf"{live_server}/cases/CY-\d{{4}}-\d{{6}}$"))
    assert "を受け付けました" in page.inner_text(".flash")
    rows = page.locator("table.deadlines tbody tr")
    assert rows.count() == 6
    insurer = page.locator("tr[data-kind=insurer_emergency_notice]").inner_text()
    assert "5月10日（日）24:00まで" in insurer and "期限内に実施" in insurer  # 08:30 JST is 04-10 in Tokyo: day 30 = 05-10
    assert "6月8日（月）24:00まで" in page.locator("tr[data-kind=appi_final]").inner_text()  # 60 days, malicious


def test_japanese_style_input_and_an_error_beside_its_field(page, live_server, live_factory):
    """Typed as people type in Japan; a wrong field is shown again, in Japanese, beside the field, with what was
    typed kept; the calendar button fills a date-and-time field from the browser's picker value."""
    policy = live_factory.policy(live_factory.org("株式会社和文入力"))
    browser_login(page, live_server, live_factory.user("operator"))
    page.goto(f"{live_server}/cases/new")
    page.fill("#policy", policy.policy_number)
    page.get_by_label("最初に発見した日時（JST）").fill("2026年4月10日 8時30分")
    page.get_by_label("事象の内容").fill("ランサムウェア")
    page.get_by_label("影響を受けた個人データの件数").fill("約５，０００件")
    page.get_by_label("窓口の電話番号（SMSリマインダー送信先）").fill("090-1234")
    page.click("text=受付を登録")
    error = page.locator("#err-contact_phone")
    assert error.inner_text().startswith("電話番号を入力してください")
    assert page.get_by_label("窓口の電話番号（SMSリマインダー送信先）").get_attribute("aria-describedby") == "err-contact_phone"
    assert page.get_by_label("影響を受けた個人データの件数").input_value() == "約５，０００件"  # nothing typed is lost
    page.get_by_label("窓口の電話番号（SMSリマインダー送信先）").fill("０９０－１２３４－５６７８")
    picker = page.locator("input[name=reported_at] ~ input.picker-input")
    picker.fill("2026-04-10T09:00")
    picker.dispatch_event("change")
    assert page.locator("input[name=reported_at]").input_value() == "2026/04/10 09:00"
    page.click("text=受付を登録")
    page.wait_for_url(re.compile(rf"{live_server}/cases/CY-\d{{4}}-\d{{6}}$"))
    assert "5月10日（日）24:00まで" in page.locator("tr[data-kind=insurer_emergency_notice]").inner_text()
