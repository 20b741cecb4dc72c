"""The policies page: staff look policies up; coordinators and admins register organisations and policies."""
from sqlmodel import select

from hotline.orgs.models import Organization, Policy
from tests.support import login, post_form


def test_coordinator_registers_an_organisation_and_a_policy(client, factory, db):
    login(client, factory.user("coordinator"))
    post_form(client, "/organizations", {"name": "新規被保険者株式会社"}, form_page="/policies")
    org = db.exec(select(Organization).where(Organization.name == "新規被保険者株式会社")).one()
    r = post_form(client, "/policies", {"organization_id": org.id, "product": "tm-juas-2026", "plan": "C",
                                        "policy_number": "JUAS-PAGE-1", "period_start": "2026-05-01T16:00",
                                        "period_end": "2027-03-01T16:00"}, form_page="/policies")
    assert r.status_code == 302
    policy = db.exec(select(Policy).where(Policy.policy_number == "JUAS-PAGE-1")).one()
    # datetime-local values are Tokyo wall-clock time: 16:00 JST is 07:00 UTC.
    assert policy.period_start.hour == 7 and policy.period_start.day == 1
    page = client.get("/policies?q=JUAS-PAGE", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "新規被保険者株式会社" in page and "2026-05-01 16:00" in page


def test_bad_policy_form_shows_the_reason_and_keeps_the_input(client, factory):
    org = factory.org()
    login(client, factory.user("admin"))
    r = post_form(client, "/policies", {"organization_id": org.id, "product": "tm-juas-2026", "plan": "Z",
                                        "policy_number": "KEEP-ME", "period_start": "2026/05/01 16:00",
                                        "period_end": "2027年3月1日 16時00分"}, form_page="/policies")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="err-policy.plan" role="alert">Choose one of the options.' in page and 'value="KEEP-ME"' in page
    assert 'value="2027年3月1日 16時00分"' in page  # what was typed, as it was typed


def test_operator_can_look_up_but_not_register(client, factory):
    login(client, factory.user("operator"))
    page = client.get("/policies", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Policies</h1>" in page and "Register a policy" not in page
    assert post_form(client, "/organizations", {"name": "x"}, form_page="/dashboard").status_code == 403


def test_insured_cannot_open_the_policies_page(client, factory):
    login(client, factory.user("insured"))
    assert client.get("/policies").status_code == 403
