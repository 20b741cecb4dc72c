"""The simulator of an incoming text, on the admin's phone simulator page (/admin/phone): a signed request to
POST /twilio/sms, in-process, with or without Twilio credentials; the answer shown as the sender would read it."""
import datetime as dt

import pytest
from sqlmodel import select

from hotline.audit.models import AuditEvent
from hotline.db import utcnow
from tests.support import login, post_form


@pytest.fixture
def world(factory):
    org = factory.org("株式会社シミュレーション")
    now = utcnow()
    case = factory.case(factory.policy(org), reference="CY-2026-000321", contact_phone="+819012340000",
                        first_discovered_at=now - dt.timedelta(hours=2), reported_at=now - dt.timedelta(hours=1))
    admin = factory.user("admin", language="ja")
    return case, admin


def simulate(client, sender, body):
    return post_form(client, "/admin/phone/text", {"from_number": sender, "body": body}, form_page="/admin/phone")


def test_the_insured_number_learns_its_case_and_the_timeline_shows_it(client, db, world):
    case, admin = world
    login(client, admin)
    page = client.get("/admin/phone").get_data(as_text=True)
    assert "SMS受信のシミュレーション" in page and "+819012340000" in page  # a number to try
    page = simulate(client, "090-1234-0000", "000321")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "CY-2026-000321：現在のフェーズは「受付」です" in html
    (event,) = db.exec(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                AuditEvent.kind == "text_received")).all()
    assert event.params["phone"] == "+819012340000"


def test_an_unknown_number_learns_nothing(client, db, world):
    case, admin = world
    login(client, admin)
    html = simulate(client, "+819099990000", "CY-2026-000321").get_data(as_text=True)
    assert "参照番号" in html and "受付" not in html.split("sms-reply")[1]
    assert db.exec(select(AuditEvent).where(AuditEvent.kind == "text_received")).all() == []


@pytest.mark.twilio
def test_with_twilio_credentials_it_signs_with_the_real_token(client, db, world, fake_twilio):
    case, admin = world
    login(client, admin)
    assert "CY-2026-000321" in simulate(client, "+819012340000", "321").get_data(as_text=True)


def test_bad_input_is_refused_and_only_admins_may_use_it(client, factory, world):
    case, admin = world
    login(client, admin)
    page = simulate(client, "not a phone", "")
    assert page.status_code == 422 and "field-error" in page.get_data(as_text=True)
    other = client.application.test_client()
    login(other, factory.user("coordinator"))
    assert other.get("/admin/phone").status_code == 403


def test_in_the_demo_as_the_readme_says(app, db, client, factory):
    """The README's walk-through: the demo insured's contact texts its case's reference and gets its phase and
    deadline; any other number gets the help text; a vendor being asked answers はい."""
    from hotline import demo
    from hotline.auth.models import User
    from hotline.cases.models import Case
    from hotline.dispatch.models import Dispatch, Vendor
    from hotline.dispatch.schemas import DispatchIn
    from hotline.dispatch.service import create_dispatch
    from hotline.dispatch.settings import from_config
    from hotline.orgs.models import Policy

    with app.app_context():
        demo.load(db, hash_method="pbkdf2:sha256:1000")
    case = db.exec(select(Case).join(Policy, Policy.id == Case.policy_id)
                   .where(Policy.policy_number == "JUAS-2026-0001", Case.contact_phone.is_not(None))).first()
    login(client, factory.user("admin", language="ja"))  # the demo's own passwords are random
    page = client.get("/admin/phone").get_data(as_text=True)
    assert case.contact_phone in page and case.reference in page
    html = simulate(client, case.contact_phone, case.reference).get_data(as_text=True)
    assert f"{case.reference}：現在のフェーズは" in html
    stranger = simulate(client, "+819011110000", case.reference).get_data(as_text=True)
    assert "見つかりませんでした" in stranger and "現在のフェーズ" not in stranger
    vendor = next(v for v in db.exec(select(Vendor)) if "forensics" in v.capabilities and v.active)
    coordinator = db.exec(select(User).where(User.email == "coordinator@hotline.example")).one()
    with app.app_context():
        dispatch = create_dispatch(db, case=case, product_code="tm-juas-2026", actor=coordinator,
                                   data=DispatchIn(vendor_id=vendor.id, capability="forensics", brief="調査",
                                                   override_warnings=True),
                                   notifier=app.extensions["hotline.notifier"], settings=from_config(app.config))
    page = client.get("/admin/phone").get_data(as_text=True)
    phone = next(a.phone for a in dispatch_attempts(db, dispatch.id))
    assert phone in page
    simulate(client, phone, "はい")
    db.expire_all()
    assert db.get(Dispatch, dispatch.id).status == "accepted"


def dispatch_attempts(db, dispatch_id):
    from hotline.dispatch.models import DispatchAttempt

    return db.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == dispatch_id)).all()
