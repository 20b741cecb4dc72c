"""A person logs in with Chromium and sees the page for their role, in Japanese."""
import pytest

from tests.support import browser_login

pytestmark = pytest.mark.browser


def test_each_role_logs_in_and_sees_its_dashboard(page, live_server, live_factory):
    for role, heading in [("operator", "受付オペレーター"), ("coordinator", "コーディネーター"), ("admin", "管理者")]:
        user = live_factory.user(role)
        browser_login(page, live_server, user)
        assert heading in page.inner_text("h1")
        page.click("text=ログアウト")
        page.wait_for_url(f"{live_server}/login")
    insured = live_factory.user("insured", live_factory.org("テスト被保険者株式会社"))
    browser_login(page, live_server, insured)
    assert "テスト被保険者株式会社" in page.inner_text("h1")
