"""The admin's user page: create, change role, deactivate; other roles are kept out."""
from sqlmodel import select

from hotline.auth.models import User
from tests.support import login, post_form


def test_admin_creates_and_updates_a_user(client, factory, db):
    org = factory.org("被保険者株式会社")
    login(client, factory.user("admin"))
    r = post_form(client, "/admin/users", {"email": "New.User@Example.jp", "role": "insured", "password": "long-enough-pw",
                                           "organization_id": str(org.id), "display_name": "新 利用者"},
                  form_page="/admin/users")
    assert r.status_code == 302
    user = db.exec(select(User).where(User.email == "new.user@example.jp")).one()
    assert user.role.value == "insured" and user.organization_id == org.id
    r = post_form(client, f"/admin/users/{user.id}", {"role": "coordinator", "display_name": "x", "phone": "",
                                                      "is_active": "on"}, form_page="/admin/users")
    db.expire_all()
    assert db.get(User, user.id).role.value == "coordinator"
    assert db.get(User, user.id).organization_id is None


def test_admin_form_errors_are_shown_beside_their_fields_with_what_was_typed(client, factory, db):
    login(client, factory.user("admin"))
    r = post_form(client, "/admin/users", {"email": "bad", "role": "insured", "password": "short",
                                           "display_name": "入力した名前"}, form_page="/admin/users")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert '<span class="field-error" id="err-new.email" role="alert">Enter an e-mail address' in page
    assert 'id="err-new.password"' in page and 'value="入力した名前"' in page
    r = post_form(client, "/admin/users", {"email": "ok@example.jp", "role": "insured", "password": "long-enough-pw"},
                  form_page="/admin/users")
    assert r.status_code == 422 and 'id="err-new.organization_id"' in r.get_data(as_text=True)
    user = factory.user("operator")
    r = post_form(client, f"/admin/users/{user.id}", {"role": "operator", "phone": "03-12"}, form_page="/admin/users")
    assert r.status_code == 422 and f'id="err-{user.id}.phone"' in r.get_data(as_text=True)
    r = post_form(client, f"/admin/users/{user.id}", {"role": "operator", "phone": "０９０ー１２３４ー５６７８",
                                                      "is_active": "on"}, form_page="/admin/users")
    assert r.status_code == 302
    db.expire_all()
    assert db.get(User, user.id).phone == "+819012345678"


def test_only_admins_open_the_user_page(client, factory):
    for role in ("operator", "coordinator", "insured"):
        c = client.application.test_client()
        login(c, factory.user(role))
        assert c.get("/admin/users").status_code == 403
    assert client.application.test_client().get("/admin/users").status_code == 302
