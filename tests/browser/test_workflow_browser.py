"""A coordinator takes a case from intake to closure on the page, skipping the call center with a reason;
the checklist changes with each phase, and the case cannot close while a deadline is open."""
import datetime as dt

import pytest

from tests.support import Api, browser_login

pytestmark = pytest.mark.browser


def _unfold(page, key):
    """A phase shows its skip form folded (<details>, under its folded checklist when it has one): open them, as a
    person would."""
    page.eval_on_selector_all(f"[data-phase={key}] details", "ds => ds.forEach(d => d.open = true)")


def _click(page, key, action):
    if action == "skip":
        _unfold(page, key)
    page.click(f"[data-phase={key}] button[value={action}]")
    page.wait_for_load_state()


def _status(page, key):
    return page.get_attribute(f"[data-phase={key}] [data-status]", "data-status")


def test_coordinator_runs_the_phases_and_cannot_close_with_an_open_deadline(page, live_server, live_app,
                                                                            live_factory):
    coordinator = live_factory.user("coordinator")
    policy = live_factory.policy()
    now = dt.datetime.now(dt.UTC)
    # An EU-data case opened through the API: it has an open 72-hour GDPR deadline.
    api = Api(live_app.test_client(), live_factory.token(coordinator))
    r = api.post("/cases", json={"policy_id": policy.id, "summary": "EU顧客の個人データ流出の疑い",
                                 "first_discovered_at": (now - dt.timedelta(hours=3)).isoformat(),
                                 "eu_data_subjects": True,
                                 "gdpr_aware_at": (now - dt.timedelta(hours=3)).isoformat()})
    assert r.status_code == 201, r.get_json()
    reference = r.get_json()["reference"]

    browser_login(page, live_server, coordinator)
    page.goto(f"{live_server}/cases/{reference}/phases")
    assert _status(page, "intake") == "active"
    assert "受付内容と事実の記録" in page.inner_text("[data-phase=intake]")

    _click(page, "intake", "complete")
    _click(page, "initial_response", "start")
    assert "一次ヒアリング" in page.inner_text("[data-phase=initial_response]")  # its checklist appeared
    _click(page, "initial_response", "complete")
    _click(page, "investigation", "start")
    assert "原因究明・影響範囲調査" in page.inner_text("[data-phase=investigation]")

    # Skipping needs a reason: without one the page says so; with one the phase is skipped.
    _click(page, "call_center", "skip")
    assert "フェーズをスキップするには理由が必要です" in page.inner_text("[data-phase=call_center]")
    page.fill("[data-phase=call_center] input[name=reason]", "被害者がいないため問い合わせ窓口は不要")
    _click(page, "call_center", "skip")
    assert _status(page, "call_center") == "skipped"
    assert "被害者がいないため" in page.inner_text("[data-phase=call_center]")

    _click(page, "pr_reporting", "start")  # runs during the investigation
    assert "欧州監督機関への通知（GDPR）" in page.inner_text("[data-phase=pr_reporting]")
    for key, action in [("investigation", "complete"), ("pr_reporting", "complete"), ("recovery", "start"),
                        ("recovery", "complete"), ("recurrence_prevention", "start"),
                        ("recurrence_prevention", "complete")]:
        _click(page, key, action)
        assert _status(page, key) == {"start": "active", "complete": "done"}[action]
    _unfold(page, "post_incident")
    page.fill("[data-phase=post_incident] input[name=reason]", "信頼回復は被保険者が自社で対応")
    _click(page, "post_incident", "skip")
    _click(page, "closure", "start")
    while page.locator("[data-phase=closure] .task button").count():
        page.locator("[data-phase=closure] .task button").first.click()
        page.wait_for_load_state()

    _click(page, "closure", "complete")
    alert = page.inner_text("[role=alert]")
    assert "GDPR監督機関への通知" in alert  # the blocking deadline, named in the reader's language
    assert _status(page, "closure") == "active"
    assert api.get(f"/cases/{reference}").get_json()["status"] == "open"
