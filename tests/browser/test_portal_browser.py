"""The insured's portal, tried as a new user would, in Chromium (Japanese UI): a coordinator invites an insured of
a demo company; the invitation e-mail is in the outbox; the insured sets a password on a phone-sized screen,
follows the case, sends a message, adds a cost with a receipt and sees it tallied; the coordinator answers. A
screenshot of each page is saved under the test's tmp_path."""
import re

import pytest
from sqlmodel import select

from hotline.cases.models import Case
from hotline.demo import load
from tests.support import FAST_HASH, PDF, browser_login

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


def test_a_coordinator_invites_an_insured_who_follows_the_case(page, browser, live_server, live_app, live_factory,
                                                               tmp_path):
    with live_app.app_context():
        load(live_factory.s, hash_method=FAST_HASH)  # the demo companies, their policies and cases
    case = live_factory.s.exec(select(Case).where(Case.summary.like("%顧客名簿%"))).one()  # 株式会社サンプル商事
    coordinator = live_factory.user("coordinator", display_name="調整 花子")
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(p, name):
        p.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    # The coordinator invites 佐藤 of 株式会社サンプル商事 from the policies page.
    browser_login(page, live_server, coordinator)
    page.goto(f"{live_server}/policies?q=サンプル商事")
    page.click("text=被保険者の利用者")
    page.fill("input[name=name]", "佐藤 一郎")
    page.fill("input[name=email]", "sato@sample-shoji.example")
    page.click("text=招待を送る")
    assert "sato@sample-shoji.example に招待を送りました。" in page.inner_text("main")
    assert "招待済み" in page.inner_text("table.insureds")
    shot(page, "1-invitation")
    # The invitation e-mail is in the outbox, with its link.
    page.goto(f"{live_server}/outbox/")
    outbox = page.inner_text("table")
    assert "【サイバー事故ホットライン】事故対応ページのご案内" in outbox and "sato@sample-shoji.example" in outbox
    link = re.search(r"https?://\S+/account/setup/[\w.\-]+", outbox).group(0)
    shot(page, "2-outbox")

    # The insured, on a phone, sets a password through the link and lands on their incidents.
    phone = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=PHONE).new_page()
    phone.goto(link)
    assert "ログインID: sato@sample-shoji.example" in phone.inner_text("main")
    shot(phone, "3-set-password")
    phone.fill("#password", "sato-no-pasuwaado")
    phone.fill("#confirm", "sato-no-pasuwaado")
    phone.click("text=パスワードを保存する")
    phone.wait_for_url(f"{live_server}/dashboard")
    assert "株式会社サンプル商事" in phone.inner_text("h1")
    shot(phone, "4-incidents")
    phone.click(f"text={case.reference}")
    phone.wait_for_url(f"{live_server}/incidents/{case.reference}")
    text = phone.inner_text("main")
    assert "現在の状況" in text and "期限と貴社で行うこと" in text and "送ったらホットラインにお知らせください" in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone
    shot(phone, "5-incident")

    # A message to the hotline.
    phone.fill("#message-body", "顧客への通知文の案を確認いただけますか。")
    phone.click("form.message-form button[type=submit]")
    phone.wait_for_url(f"{live_server}/incidents/{case.reference}#messages")
    assert "顧客への通知文の案を確認いただけますか。" in phone.inner_text("ol.thread")

    # A cost with its receipt, tallied on the page.
    receipt = tmp_path / "夜間対応の残業代.pdf"
    receipt.write_bytes(PDF)
    phone.click("text=費用を領収書とともに追加する")
    phone.select_option("#category", "other.staff")
    phone.fill("#amount_jpy", "１２万円")
    phone.fill("#arose_on", "2026年11月20日")
    phone.fill("#note", "休日夜間の対応（情報システム部）")
    phone.set_input_files("#file", str(receipt))
    shot(phone, "6-cost-form")
    phone.click("form.cost-form button[type=submit]")
    phone.wait_for_url(re.compile(rf".*/incidents/{case.reference}#line-\d+"))
    line = phone.locator("article.cost-line", has_text="休日夜間の対応")
    assert "¥120,000" in line.inner_text() and "夜間対応の残業代.pdf" in line.inner_text()
    assert "¥120,000" in phone.inner_text("#claimed-total")
    assert "¥120,000" in phone.inner_text("#payable-total")  # ⑥ア staff costs: paid in full
    shot(phone, "7-cost-tallied")

    # The coordinator sees the new message on the dashboard and answers it.
    page.goto(f"{live_server}/dashboard")
    assert case.reference in page.inner_text("table.new-messages")
    page.click(f"table.new-messages >> text={case.reference}")
    assert "顧客への通知文の案を確認いただけますか。" in page.inner_text("ol.thread")
    page.fill("#message-body", "確認しました。本日17時までにご返信します。")
    page.click("form.message-form button[type=submit]")
    page.wait_for_url(f"{live_server}/cases/{case.reference}/messages")
    shot(page, "8-coordinator-answers")
    page.goto(f"{live_server}/dashboard")
    assert page.locator("table.new-messages").count() == 0

    phone.goto(f"{live_server}/incidents/{case.reference}")
    thread = phone.inner_text("ol.thread")
    assert "確認しました。本日17時までにご返信します。" in thread and "コーディネーター" in thread  # a role, not a name
    shot(phone, "9-answer-read")
    assert len(list(shots.glob("*.png"))) == 9
