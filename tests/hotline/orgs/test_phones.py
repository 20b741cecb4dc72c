"""Matching a calling number to organisations and open cases, in E.164 after normalising every stored phone."""
from __future__ import annotations

from hotline.orgs.phones import normalised, open_cases_for_phone, organizations_for_phone


def test_normalising_what_people_and_twilio_write():
    assert normalised("+81312345678") == "+81312345678"
    assert normalised("03-1234-5678") == "+81312345678"
    assert normalised("０３（１２３４）５６７８") == "+81312345678"
    assert normalised("+81 (0)90 1234 5678") == "+819012345678"
    for withheld in ("anonymous", "", None, "Restricted", "+" + "1" * 50, "+266696687", "+7378742833"):
        assert normalised(withheld) is None


def test_a_number_stored_in_any_format_matches_its_organisation(db, factory):
    acme, other, third = factory.org("アクメ株式会社"), factory.org("他社株式会社"), factory.org("第三株式会社")
    factory.user("insured", acme, phone="+81312345678")
    factory.case(factory.policy(other), caller_phone="03-1234-5678")  # a caller typed in the domestic way
    factory.case(factory.policy(third), contact_phone="+81312345679")  # one digit apart: no match
    assert [o.name for o in organizations_for_phone(db, "+81312345678")] == ["アクメ株式会社", "他社株式会社"]
    assert organizations_for_phone(db, "+81312345679") == [third]
    assert organizations_for_phone(db, "+81399999999") == []
    assert organizations_for_phone(db, "anonymous") == []


def test_staff_phones_do_not_make_an_organisation(db, factory):
    factory.user("operator", phone="+81300000201")
    assert organizations_for_phone(db, "+81300000201") == []


def test_open_cases_are_every_open_case_of_the_matching_organisations(db, factory):
    acme, other = factory.org("アクメ株式会社"), factory.org("他社株式会社")
    factory.user("insured", acme, phone="+819011112222")
    policy = factory.policy(acme)
    first = factory.case(policy)
    second = factory.case(policy, contact_phone="090-1111-2222")
    factory.case(policy, status="closed")
    factory.case(factory.policy(other))  # another company's case is never offered
    assert {c.id for c in open_cases_for_phone(db, "+819011112222")} == {first.id, second.id}
    assert open_cases_for_phone(db, "+819011112223") == []


def test_the_organisations_main_number_matches(db, factory):
    org = factory.org("代表株式会社")
    org.phone = "03-5555-0101"  # however it was stored
    db.add(org)
    db.commit()
    assert organizations_for_phone(db, "+81355550101") == [org]
