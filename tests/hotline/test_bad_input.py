"""Issue 14's bad inputs, each once, on both databases: none is a 500, each says what to send or type, and a
refused request writes nothing. The validators themselves are tested in test_validation.py; every page form is
fuzzed in test_form_fuzz.py."""
from __future__ import annotations

import pytest
from sqlmodel import select

from hotline.cases.models import Case
from tests.support import csrf_from, jst, login, row_counts

JA = {"Accept-Language": "ja"}
INTAKE = {"caller_name": "山田太郎", "first_discovered_at": "2026-04-10T23:30", "reported_at": "2026-04-11T00:15",
          "summary": "ファイルサーバから不審な通信"}


@pytest.fixture
def coordinator(client, factory):
    login(client, factory.user("coordinator"))
    return client


@pytest.fixture
def api(factory, api_as):
    return api_as(factory.user("coordinator"))


def post(client, path, data, *, form_page="/dashboard", headers=None):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, form_page)}, headers=headers)


def unchanged(db, before, response, status=422):
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    assert row_counts(db) == before, "a refused request wrote rows"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "Value error" not in text and "Input should" not in text
    return text


# --- The API -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/cases?limit=²", "/cases?offset=²", "/cases?limit=１０", "/cases?policy_id=abc",
                                  "/cases?organization_id=" + "9" * 40, "/outbox?limit=²", "/cases?limit=-1"])
def test_query_parameters_that_are_not_ascii_digits_are_422(api, path):
    r = api.get(path)
    assert r.status_code == 422, r.get_json()
    name = path.split("?")[1].split("=")[0]
    assert r.get_json()["error"]["fields"][name].startswith(("a JSON integer", "an id", "at least", "at most"))


def test_a_search_drops_a_nul_byte_rather_than_failing(api, factory):
    case = factory.case()
    assert [c["reference"] for c in api.get(f"/cases?q={case.reference}%00").get_json()] == [case.reference]
    assert api.get("/cases?q=%00").status_code == 200
    assert api.get("/policies?q=%00").status_code == 200
    assert api.get("/cases/CY-2026-900001%00").status_code == 404


def test_json_nested_1000_deep_is_422(api, db):
    before = row_counts(db)
    for body in ("[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000):
        r = api.client.post("/api/v1/cases", data=body, content_type="application/json",
                            headers={"Authorization": f"Bearer {api.token}"})
        assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"body": "expected a JSON object"}
    assert row_counts(db) == before


def test_a_number_as_an_instant_and_a_string_as_an_integer_are_422(api, factory, db):
    policy = factory.policy()
    before = row_counts(db)
    r = api.post("/cases", json={"policy_id": policy.id, "first_discovered_at": 1775831400, "summary": "x"})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {
        "first_discovered_at": "an ISO 8601 instant with an offset, e.g. 2026-04-10T23:30:00+09:00"}
    r = api.post("/cases", json={"policy_id": str(policy.id), "first_discovered_at": "2026-04-10T23:30:00+09:00",
                                 "summary": "x", "personal_records_affected": "5000"})
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"policy_id", "personal_records_affected"}
    case = factory.case(policy)
    before = row_counts(db)
    r = api.post(f"/cases/{case.reference}/costs", json={"category": "investigation", "amount_jpy": "5000",
                                                         "arose_on": "2026-04-12"})
    assert r.status_code == 422 and "amount_jpy" in r.get_json()["error"]["fields"]
    assert row_counts(db) == before


@pytest.mark.parametrize("arose_on", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_dates_outside_2000_to_2100_are_422(api, factory, db, arose_on):
    case = factory.case()
    before = row_counts(db)
    r = api.post(f"/cases/{case.reference}/costs", json={"category": "investigation", "amount_jpy": 5000,
                                                         "arose_on": arose_on})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"arose_on": "a year from 2000 to 2100"}
    r = api.post("/cases", json={"policy_id": case.policy_id, "summary": "x",
                                 "first_discovered_at": f"{arose_on}T00:00:00+09:00"})
    assert r.status_code == 422 and "first_discovered_at" in r.get_json()["error"]["fields"]
    assert row_counts(db) == before


def test_a_nul_byte_in_a_summary_is_422_saying_so(api, factory, db):
    policy = factory.policy()
    before = row_counts(db)
    r = api.post("/cases", json={"policy_id": policy.id, "first_discovered_at": "2026-04-10T23:30:00+09:00",
                                 "summary": "不審な\x00通信"})
    assert r.status_code == 422
    assert "control characters (such as NUL)" in r.get_json()["error"]["fields"]["summary"]
    assert row_counts(db) == before


def test_a_lone_surrogate_in_json_text_is_422(api, factory, db):
    policy = factory.policy()
    body = '{"policy_id": POLICY, "first_discovered_at": "2026-04-10T23:30:00+09:00", "summary": "\\ud800"}'
    r = api.client.post("/api/v1/cases", data=body.replace("POLICY", str(policy.id)),
                        content_type="application/json", headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 422 and "summary" in r.get_json()["error"]["fields"]


def test_too_large_a_body_is_413_in_the_api_envelope_and_a_page_in_the_readers_language(app, api, coordinator):
    assert app.config["MAX_CONTENT_LENGTH"] == 12 * 2**20  # room for a 10 MB receipt and its form
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = api.post("/organizations", json={"name": "x" * 2000})
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    r = coordinator.post("/organizations", data={"name": "x" * 2000}, headers=JA)
    assert r.status_code == 413 and "送信された内容が大きすぎます" in r.get_data(as_text=True)


# --- Page forms ----------------------------------------------------------------------------------------------
def test_organization_id_abc_on_the_policies_form(coordinator, db):
    before = row_counts(db)
    r = post(coordinator, "/policies", {"organization_id": "abc", "product": "tm-juas-2026", "plan": "A",
                                        "policy_number": "P-1", "period_start": "2026/03/01 16:00",
                                        "period_end": "2027/03/01 16:00"}, headers=JA)
    page = unchanged(db, before, r)
    assert 'id="err-policy.organization_id" role="alert">一覧から選んでください。' in page


@pytest.mark.parametrize("number", ["²", "1" * 40])
def test_odd_numbers_in_the_cost_case_dispatch_vendor_and_user_forms(client, coordinator, factory, db, number):
    case = factory.case(factory.policy())
    before = row_counts(db)
    r = post(coordinator, f"/cases/{case.reference}/costs/new", {"category": "investigation", "amount_jpy": number,
                                                                 "arose_on": "2026/04/12"}, headers=JA)
    page = unchanged(db, before, r)
    assert "err-amount_jpy" in page and f'value="{number}"' in page
    r = post(coordinator, "/cases/new", {**INTAKE, "policy": case_policy(db, case),
                                         "personal_records_affected": number}, headers=JA)
    assert "err-personal_records_affected" in unchanged(db, before, r)
    r = post(coordinator, f"/cases/{case.reference}/facts", {"personal_records_affected": number,
                                                             "coordinator_id": number}, headers=JA)
    assert "err-coordinator_id" in unchanged(db, before, r)
    r = post(coordinator, f"/cases/{case.reference}/dispatches", {"vendor_id": number, "capability": "forensics",
                                                                  "brief": "至急"}, headers=JA)
    assert "err-vendor_id" in unchanged(db, before, r)
    r = post(coordinator, "/vendors/new", {"name": "ベンダー", "capabilities": "forensics", "hours": "24x7",
                                           "escalation_rank": number, "contacts": "当番, 03-1234-5678"}, headers=JA)
    assert "err-escalation_rank" in unchanged(db, before, r)
    admin = client.application.test_client()
    login(admin, factory.user("admin"))
    before = row_counts(db)
    r = post(admin, "/admin/users", {"email": "new@example.jp", "role": "insured", "password": "long-enough-pw",
                                     "organization_id": number}, headers=JA)
    assert "err-new.organization_id" in unchanged(db, before, r)


def case_policy(db, case):
    from hotline.orgs.models import Policy

    return db.get(Policy, case.policy_id).policy_number


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59", "0001年1月1日 0時0分"])
def test_year_1_typed_in_jst_is_a_422_with_the_field_not_a_server_page(coordinator, factory, db, typed):
    policy = factory.policy()
    case = factory.case(policy, eu_data_subjects=True)
    before = row_counts(db)
    r = post(coordinator, "/cases/new", {**INTAKE, "policy": policy.policy_number, "first_discovered_at": typed},
             headers=JA)
    assert 'id="err-first_discovered_at" role="alert">2000年から2100年までの日付を入力してください。' in unchanged(db, before, r)
    for path, data in ((f"/cases/{case.reference}/facts", {"appi_known_at": typed}),
                       (f"/cases/{case.reference}/deadlines/gdpr_authority/met", {"met_at": typed}),
                       (f"/cases/{case.reference}/tasks", {"phase": "intake", "title": "確認", "due_at": typed}),
                       (f"/cases/{case.reference}/costs/new", {"category": "investigation", "amount_jpy": "5,000",
                                                               "arose_on": typed.split("T")[0].split(" ")[0]})):
        assert "2000年から2100年まで" in unchanged(db, before, post(coordinator, path, data, headers=JA)), path


def test_a_nul_byte_in_a_summary_on_the_intake_page(coordinator, factory, db):
    policy = factory.policy()
    before = row_counts(db)
    r = post(coordinator, "/cases/new", {**INTAKE, "policy": policy.policy_number, "summary": "不審な\x00通信"},
             headers=JA)
    assert "目に見えない制御文字が含まれています" in unchanged(db, before, r)


def test_japanese_input_opens_a_case(coordinator, factory, db):
    """The drill's input as people type it: 090-1234-5678, 約5,000件, 2026年4月10日 23時30分."""
    policy = factory.policy()
    r = post(coordinator, "/cases/new", {"policy": policy.policy_number, "caller_name": "山田太郎",
                                         "caller_phone": "03(1234)5678", "contact_phone": "０９０－１２３４－５６７８",
                                         "contact_email": "ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ",
                                         "first_discovered_at": "2026年4月10日 23時30分",
                                         "reported_at": "２０２６/４/１１ ０:１５", "summary": "ランサムウェア",
                                         "personal_records_affected": "約5,000件", "card_data": "on"}, headers=JA)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    case = db.exec(select(Case).where(Case.reference == r.headers["Location"].rsplit("/", 1)[1])).one()
    assert (case.caller_phone, case.contact_phone, case.contact_email) == ("+81312345678", "+819012345678",
                                                                           "yamada@example.jp")
    assert case.first_discovered_at == jst(2026, 4, 10, 23, 30) and case.reported_at == jst(2026, 4, 11, 0, 15)
    assert case.personal_records_affected == 5000 and case.card_data


def test_a_cost_typed_the_japanese_way(coordinator, factory, db):
    from hotline.costs.models import CostLine

    case = factory.case(factory.policy())
    r = post(coordinator, f"/cases/{case.reference}/costs/new", {"category": "investigation", "amount_jpy": "120万円",
                                                                 "arose_on": "2026年4月12日", "victims": "３,０００名"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    line = db.exec(select(CostLine).where(CostLine.case_id == case.id)).one()
    assert (line.amount_jpy, line.arose_on.isoformat(), line.victims) == (1_200_000, "2026-04-12", 3000)


def test_errors_are_in_the_pages_language_beside_the_field_with_what_was_typed(coordinator, factory, db):
    case = factory.case(factory.policy())
    path = f"/cases/{case.reference}/costs/new"
    before = row_counts(db)
    page = unchanged(db, before, post(coordinator, path, {"category": "investigation", "amount_jpy": "五千",
                                                          "arose_on": "2026/04/12", "note": "請求書は後日"}, headers=JA))
    assert ('<span class="field-error" id="err-amount_jpy" role="alert">金額を円で入力してください（例：1,200,000、120万円）。'
            '</span>') in page
    assert 'aria-describedby="err-amount_jpy"' in page and 'value="五千"' in page and "請求書は後日" in page
    page = unchanged(db, before, post(coordinator, path, {"category": "investigation", "amount_jpy": "五千",
                                                          "arose_on": "2026/04/12"}, headers={"Accept-Language": "en"}))
    assert 'id="err-amount_jpy" role="alert">Enter an amount in yen, e.g. 1,200,000 or 120万円.</span>' in page


def test_a_vendor_contact_line_that_is_not_a_phone_names_its_line(coordinator, db):
    before = row_counts(db)
    r = post(coordinator, "/vendors/new", {"name": "ベンダー", "capabilities": "forensics", "hours": "24x7",
                                           "contacts": "当番, 03-1234-5678\n夜間, 03-12"}, headers=JA)
    page = unchanged(db, before, r)
    assert "2行目：電話番号を入力してください" in page and "夜間, 03-12" in page
    r = post(coordinator, "/vendors/new", {"name": "ベンダー", "capabilities": "forensics", "hours": "24x7",
                                           "contacts": "当番, 03(1234)5678"}, headers=JA)
    assert r.status_code == 302


# --- The error page cannot fail ------------------------------------------------------------------------------
def test_an_error_after_a_failed_flush_still_gets_the_error_page(app, client, factory):
    """A request whose session is left needing a rollback: the error page's own queries (the user in the top
    bar) used to fail too, and the client got the server's bare 500."""
    import sqlalchemy as sa

    from hotline.extensions import get_session

    def broken():
        session = get_session()
        session.execute(sa.text("SELECT no_such_column FROM organization"))

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    login(client, factory.user("coordinator"))
    r = client.get("/broken-for-test")
    assert r.status_code == 500 and "<h1>500</h1>" in r.get_data(as_text=True)
    assert 'class="topbar"' in r.get_data(as_text=True)  # the whole page, with the logged-in user's bar


def test_when_the_error_page_itself_fails_a_plain_page_answers(app, client, monkeypatch):
    from jinja2 import DictLoader

    app.jinja_loader = DictLoader({"error.html": "{{ 1 / 0 }}"})
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "<h1>404</h1>" in r.get_data(as_text=True)
    assert r.headers["Content-Type"].startswith("text/html")
