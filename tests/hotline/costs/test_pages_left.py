"""The cost form and the dispatch forms say what is left of each limit the work would draw on, at the moment of
choosing it, and warn when nothing or nearly nothing is left."""
from tests.support import login


def test_cost_form_and_dispatch_proposal_say_what_is_left(client, factory, api_as):
    policy = factory.policy(plan="A")
    case = factory.case(policy, attack_confirmed="yes")
    coordinator = factory.user("coordinator")
    api = api_as(coordinator)
    assert api.post(f"/cases/{case.reference}/costs", json={
        "category": "investigation", "amount_jpy": 5_000_000, "arose_on": "2026-04-15"}).status_code == 201
    assert api.post("/vendors", json={"name": "調査会社", "capabilities": ["forensics"], "hours": "24x7",
                                      "contacts": [{"name": "当番", "phone": "+81300000101"}]}).status_code == 201
    login(client, coordinator)
    page = client.get(f"/cases/{case.reference}/costs/new?category=advisory",
                      headers={"Accept-Language": "ja"}).get_data(as_text=True)
    advisory = page.split('data-category="advisory"')[1].split("</div>")[0]
    assert "残りなし：この作業の費用は支払われません" in advisory and 'class="warn"' in advisory
    system = page.split('data-category="system_restoration"')[1].split("</div>")[0]
    assert "残り¥3,000,000" in system and "残りなし" not in system  # its own limit, untouched
    api.post(f"/cases/{case.reference}/phases/intake", json={"action": "complete"})
    api.post(f"/cases/{case.reference}/phases/initial_response", json={"action": "start"})
    page = client.get(f"/cases/{case.reference}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    forensics = page.split('data-capability="forensics"')[1].split("</li>\n")[0]
    assert "この作業の費用" in forensics and "残りなし" in forensics  # ③ investigation: the shared limit is used up


def test_coverage_page_never_promises_that_consent_pays_from_a_used_up_limit(client, factory, api_as):
    policy = factory.policy(plan="A")
    case = factory.case(policy, attack_confirmed="yes")
    api = api_as(factory.user("coordinator"))
    for line in ({"category": "investigation", "amount_jpy": 5_000_000, "arose_on": "2026-04-15"},
                 {"category": "advisory", "amount_jpy": 800_000, "arose_on": "2026-04-16"}):
        assert api.post(f"/cases/{case.reference}/costs", json=line).status_code == 201
    login(client, factory.user("coordinator"))
    page = client.get(f"/cases/{case.reference}/coverage", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "同意を記録してもこの明細は支払われません" in page
    assert "同意を記録するとこの明細は支払対象になります" not in page
    assert "Record consent" not in page and "同意を記録" in page  # recording it stays possible: another line may be removed
