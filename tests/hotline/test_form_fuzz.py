"""Every page form, fuzzed (hypothesis) on both databases: plausible values mixed with what issue 14 found and
what people type (full-width digits, 5,000, ¥1,200,000, 120万円, 2026年11月28日 14時01分, 090-1234-5678), control
characters, huge numbers and odd dates. Whatever is sent: never a 500, never a stack trace or a pydantic sentence,
and a refused request (4xx) writes no row. A route that takes a form must be listed here (the last test checks).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.hotline.test_security_headers import problems_of
from tests.support import csrf_from, jst, login, row_counts

EXAMPLES = 20  # per form and database: about 40 s for the whole file on two busy cores

ODD = ["", " ", "²", "①", "\x00", "a\x00b", "\x1b[31m", "\u202e", "🔥", "null", "[]", "-1", "0", "０", "1" * 40,
       "9" * 400, "1e309", "NaN", "5,00", "５，０００", "¥1,200,000", "120万円", "1億2,000万円", "約5,000件",
       "0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01", "9999-12-31", "2026-02-30", "2026/11/28 14:01",
       "2026年11月28日 14時01分", "2026-11-28T14:01+25:00", "2026/12/2 24:00", "090-1234-5678", "03(1234)5678",
       "+81 90 1234 5678", "０９０ー１２３４ー５６７８", "ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ", "<script>alert(1)</script>",
       "'; DROP TABLE organization; --", "x" * 25000, "\r\n", "on", "off", "abc"]
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # control characters included
NUMBER = st.integers(-(10**40), 10**40).map(str)


def values(*plausible) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([str(p) for p in plausible]) if plausible else st.nothing(),
                     st.sampled_from(ODD), ANY_TEXT, NUMBER)


@dataclass
class Form:
    path: str  # formatted with the world's names: {ref}, {line}, {vendor}, {dispatch}, {user}
    fields: dict[str, st.SearchStrategy]
    role: str = "coordinator"  # who sends it: coordinator, admin, or anonymous
    method: str = "POST"
    lists: dict[str, st.SearchStrategy] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


INSTANT = ("2026-04-12T10:00", "2026/04/12 10:00", "2026年4月12日 10時00分")
FACTS = {"caller_name": values("山田太郎"), "caller_phone": values("03(1234)5678"),
         "caller_email": values("yamada@example.jp"), "contact_name": values("佐藤"),
         "contact_phone": values("090-1234-5678", "+819012345678"), "contact_email": values("sato@example.jp"),
         "contact_language": values("ja", "en"),
         "first_discovered_at": values("2026-04-10T23:30", "2026年4月10日 23時30分"),
         "reported_at": values("2026-04-11T00:15", "2026/04/11 0:15"),
         "discovery_basis": values("caller_statement", "logs"), "discovery_source": values("internal", "customer"),
         "summary": values("不審な通信"), "personal_records_affected": values("5,000", "約5000件", "0"),
         "attack_confirmed": values("unknown", "yes", "no"), "card_data": values("on"), "malicious": values("on"),
         "sensitive_data": values("on"), "eu_data_subjects": values("on"), "pmark_holder": values("on"),
         "coordinator_id": values("{coordinator}"), "appi_known_at": values(*INSTANT),
         "gdpr_aware_at": values(*INSTANT), "card_known_at": values(*INSTANT), "pmark_discovered_at": values(*INSTANT),
         "publication_made_at": values(*INSTANT)}
VENDOR = {"name": values("新しいベンダー"), "hours": values("24x7", "business"), "escalation_rank": values("10", "５"),
          "languages": values("ja, en", "ja、en"), "contacts": values("当番, 03-1234-5678", "当番, +81300000109\n夜間, 0120-123-456"),
          "note": values("メモ"), "active": values("on")}
CAPABILITIES = st.lists(values("forensics", "legal", "pr"), max_size=3)

FORMS = [
    Form("/login", {"email": values("coordinator@example.jp"), "password": values("correct-horse-battery")},
         role="anonymous"),
    Form("/cases/new", {"policy": values("{policy_number}", "テスト"), **FACTS}),
    Form("/cases/{ref}/facts", {"policy": values("{policy_number}"), **FACTS}),
    Form("/cases/{ref}/deadlines/gdpr_authority/met", {"met_at": values("", "2026-04-12T10:00", "2026/4/12 10:00")}),
    Form("/cases/{ref}/deadlines/appi_preliminary/met", {"met_at": values("2026年4月12日 10時")}),
    Form("/cases/{ref}/costs/new", {
        "category": values("investigation", "system_restoration", "emergency_response", "ransom"),
        "amount_jpy": values("1,200,000", "120万円", "¥5,000", "0"), "arose_on": values("2026-04-12", "2026年4月12日"),
        "ordered_at": values(*INSTANT), "victims": values("3,000名", "12"), "consent_ref": values("TM-1"),
        "consent_on": values("2026/04/13"), "vendor_id": values("{vendor}"), "dispatch_id": values("{dispatch}"),
        "invoice_ref": values("INV-1"), "note": values("メモ\r\n2行目"), "confirm_warnings": values("on")}),
    Form("/cases/{ref}/costs/{line}/consent", {"consent_ref": values("TM-CONSENT-9"),
                                               "consent_on": values("2026-04-13", "2026年4月13日")}),
    Form("/vendors/new", VENDOR, lists={"capabilities": CAPABILITIES}),
    Form("/vendors/{vendor}", VENDOR, lists={"capabilities": CAPABILITIES}),
    Form("/cases/{ref}/dispatches", {"vendor_id": values("{vendor}"), "capability": values("forensics", "legal"),
                                     "brief": values("至急、現地調査を依頼します。"), "override_warnings": values("on")}),
    Form("/cases/{ref}/dispatches/{dispatch}", {"action": values("accept", "decline", "release", "withdraw"),
                                                "note": values("電話で受諾")}),
    Form("/organizations", {"name": values("新規株式会社")}),
    Form("/policies", {"organization_id": values("{organization}"), "product": values("tm-juas-2026", "sj-cyber-2018"),
                       "plan": values("A", "B", "C"), "policy_number": values("POL-NEW"),
                       "period_start": values("2026-03-01T16:00", "2026/03/01 16:00"),
                       "period_end": values("2027-03-01T16:00", "2027年3月1日 16時")}),
    Form("/admin/users", {"email": values("new@example.jp"), "role": values("operator", "insured", "pilot"),
                          "organization_id": values("{organization}"), "display_name": values("新 利用者"),
                          "phone": values("090-1234-5678"), "language": values("ja", "en", ""),
                          "password": values("long-enough-pw")}, role="admin"),
    Form("/admin/users/{user}", {"role": values("operator", "insured"), "organization_id": values("{organization}"),
                                 "display_name": values("名前"), "phone": values("03-1234-5678", ""),
                                 "language": values("ja", "en", ""), "is_active": values("on"),
                                 "password": values("", "another-long-pw")}, role="admin"),
    Form("/account/language", {"language": values("ja", "en"), "next": values("/dashboard", "//evil.example/x")}),
    Form("/cases/{ref}/phases/call_center", {"action": values("start", "complete", "skip"),
                                             "reason": values("被害者がいないため不要"), "next": values("/dashboard")}),
    Form("/cases/{ref}/phases/initial_response", {"action": values("start", "complete", "skip"),
                                                  "reason": values("")}),
    Form("/cases/{ref}/tasks", {"phase": values("intake", "investigation", "lunch"), "title": values("ログ確認"),
                                "due_at": values(*INSTANT), "owner_role": values("operator", "insured")}),
    Form("/cases/{ref}/notes", {"kind": values("note", "call", "fax"), "text": values("電話で状況確認"),
                                "internal": values("on", "", "maybe")}),
    Form("/cases/{ref}/reopen", {"reason": values("再調査のため", "")}),
    Form("/dispatch/answer/{token}", {"answer": values("accept", "decline")}, role="anonymous"),
    # The insured's portal (issue 12).
    Form("/organizations/{organization}/invitations", {"email": values("sato@sample.example", "ｓａｔｏ＠ｅｘａｍｐｌｅ．ｊｐ"),
                                                      "name": values("佐藤 一郎"), "language": values("ja", "en")}),
    Form("/organizations/{organization}/insureds/{user}", {"action": values("deactivate", "reactivate")},
         role="admin"),
    Form("/account/setup/{invitation_token}", {"password": values("long-enough-pw"),
                                               "confirm": values("long-enough-pw")}, role="anonymous"),
    Form("/password/reset/{reset_token}", {"password": values("another-long-pw"),
                                           "confirm": values("another-long-pw")}, role="anonymous"),
    Form("/password/forgot", {"email": values("coordinator@example.jp", "nobody@example.jp")}, role="anonymous"),
    Form("/incidents/{ref}/costs/new", {
        "category": values("investigation", "other.staff", "ransom"), "amount_jpy": values("1,200,000", "120万円"),
        "arose_on": values("2026-04-12", "2026年4月12日"), "ordered_at": values(*INSTANT),
        "victims": values("3,000名"), "invoice_ref": values("INV-1"), "note": values("メモ"),
        "file": values("not a file"), "consent_ref": values("TM-FORGED")}),
    Form("/cases/{ref}/messages", {"body": values("サーバの再起動はいつですか？", "行1\r\n行2")}),
    Form("/cases/{ref}/costs/{line}/receipts", {"file": values("not a file")}),
    # Search boxes and filters, read from the query string.
    Form("/calls/{call}/case", {"reference": values("{ref}", "CY-2099-000001")}),
    Form("/admin/roster", {"user_id": values("{coordinator}"), "starts": values("9:00", "２２：００", "24:00"),
                           "ends": values("18:00", "6:00"), "position": values("0", "1")}, role="admin",
         lists={"weekdays": st.lists(values("0", "6", "7"), max_size=8)}),
    Form("/admin/phone/ring", {"number": values("090-1111-2222", "+819011112222", ""),
                               "keys": values("", "1", "2", "0", "9"), "reference": values("2026000001", "1")},
         role="admin"),
    Form("/admin/phone/{call}/leg", {"answered": values("yes", "no"), "duration": values("60", "0")}, role="admin"),
    Form("/admin/phone/text", {"from_number": values("090-1234-5678", "+81300000101", "０９０１２３４５６７８"),
                               "body": values("123", "はい", "CY-2026-000001", "ＹＥＳ")}, role="admin"),
    Form("/calls", {"from": values("090-1111-2222"), "case": values("{ref}"), "status": values("missed", "open"),
                    "since": values(*INSTANT)}, method="GET"),
    Form("/policies", {"q": values("テスト", "POL")}, method="GET"),
    Form("/cases/policy-lookup", {"q": values("テスト")}, method="GET"),
    Form("/vendors", {"capability": values("forensics")}, method="GET"),
    Form("/outbox/", {"case": values("{ref}")}, method="GET"),
    Form("/cases/{ref}/timeline", {"kind": values("note_added", "case_opened")}, method="GET"),
    Form("/cases/{ref}/timeline.csv", {"kind": values("note_added")}, method="GET"),
    Form("/cases/{ref}", {"capability": values("forensics")}, method="GET"),
    Form("/cases/{ref}/dispatches", {"capability": values("forensics")}, method="GET"),
    Form("/cases/{ref}/costs/new", {"category": values("investigation"), "vendor": values("{vendor}"),
                                    "dispatch": values("{dispatch}")}, method="GET"),
]
NO_INPUT = {"/logout", "/cases/<reference>/costs/<int:line_id>/remove", "/cases/<reference>/tasks/<int:task_id>/done",
            "/admin/tokens/<int:token_id>/revoke", "/cases/<reference>/messages/read",
            "/calls/<int:call_id>/called-back", "/admin/roster/<int:entry_id>/remove",
            "/outbox/<int:message_id>/handled"}  # POST routes that read nothing from the form
LEAKS = ("Traceback", 'File "/', "Value error", "Input should", "validation error for", "pydantic")


def build_world(app, factory, api_as) -> dict:
    """A policy, a case with EU data subjects, a vendor, a dispatch waiting for its answer, a cost line pending
    consent and the users; every name a form's path or values may use."""
    org = factory.org("テスト株式会社")
    policy = factory.policy(org, end=jst(2099, 1, 1))
    coordinator = factory.user("coordinator", email="coordinator@example.jp")
    factory.user("admin", email="admin@example.jp")
    insured = factory.user("insured", org)
    case = factory.case(policy, eu_data_subjects=True, attack_confirmed="yes", personal_records_affected=5000)
    api = api_as(coordinator)
    vendor = api.post("/vendors", json={"name": "ベンダー甲", "capabilities": ["forensics", "legal"], "hours": "24x7",
                                        "contacts": [{"name": "当番", "phone": "+81300000101"}]}).get_json()
    dispatch = api.post(f"/cases/{case.reference}/dispatches", json={
        "vendor_id": vendor["id"], "capability": "forensics", "brief": "至急", "override_warnings": True}).get_json()
    line = api.post(f"/cases/{case.reference}/costs", json={"category": "system_restoration", "amount_jpy": 1_000_000,
                                                            "arose_on": "2026-04-16"}).get_json()
    from hotline.accounts import service as accounts
    from hotline.accounts.links import AccountSettings, make_token
    from hotline.accounts.models import AccountLink
    from hotline.dispatch import links

    settings = AccountSettings.from_config(app.config)
    with app.app_context():
        token = links.make_token(app.config["SECRET_KEY"], 1)
        _invited, invitation = accounts.invite(factory.s, organization_id=org.id, email="invited@example.jp", name="招待",
                                               actor=coordinator, settings=settings,
                                               notifier=app.extensions["hotline.notifier"])
        accounts.request_reset(factory.s, email=insured.email, settings=settings,
                               notifier=app.extensions["hotline.notifier"])
    reset = factory.s.exec(select(AccountLink).where(AccountLink.purpose == "password_reset")).one()
    from hotline.calls.models import Call

    call = Call(sid="CA" + "a" * 32, from_number="+819011112222", from_e164="+819011112222", started_at=jst(2026, 4, 12),
                status="connecting", organization_ids=[org.id])
    factory.s.add(call)
    factory.s.commit()
    return {"ref": case.reference, "policy_number": policy.policy_number, "organization": org.id,
            "coordinator": coordinator.id, "user": insured.id, "vendor": vendor["id"], "dispatch": dispatch["id"],
            "line": line["id"], "token": token, "call": call.id,
            "invitation_token": make_token(settings.secret_key, "invitation", invitation.id, invitation.nonce),
            "reset_token": make_token(settings.secret_key, "password_reset", reset.id, reset.nonce)}


def _fill(text: str, world: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(world.get(m.group(1), m.group(0))), text)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_a_page_form_never_fails_and_a_refused_one_writes_nothing(form, app, client, factory, api_as, db):
    world = build_world(app, factory, api_as)
    if form.role != "anonymous":
        login(client, _user(factory, form.role))
    token = csrf_from(client, "/login" if form.role == "anonymous" else "/dashboard")
    path = _fill(form.path, world)
    strategy = st.fixed_dictionaries({}, optional={**form.fields, **form.lists})
    failures: list[str] = []

    @given(data=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def send(data):
        data = {k: ([_fill(x, world) for x in v] if isinstance(v, list) else _fill(v, world)) for k, v in data.items()}
        before = row_counts(db)
        if form.method == "GET":
            r = client.get(path, query_string=data)
        else:
            r = client.post(path, data={**data, "csrf_token": token})
        body = r.get_data(as_text=True)
        if r.status_code >= 500 or any(leak in body for leak in LEAKS):
            failures.append(f"{form.id} {data!r}: {r.status_code} {body[:300]}")
        elif r.status_code >= 400 and row_counts(db) != before:
            failures.append(f"{form.id} {data!r}: {r.status_code} but rows were written")
        elif "text/html" in r.content_type and (problems := problems_of(body)):  # inline code, aria pointing nowhere
            failures.append(f"{form.id} {data!r}: {r.status_code} {problems[:3]}")

    send()
    assert not failures, failures[:5]


def _user(factory, role: str):
    from sqlmodel import select

    from hotline.auth.models import User

    return factory.s.exec(select(User).where(User.email == f"{role}@example.jp")).one()


def test_every_route_that_takes_a_form_is_fuzzed(app):
    """A page route that accepts POST must be in FORMS (or NO_INPUT); the API and Twilio have their own fuzz and
    signature tests."""
    fuzzed = {re.sub(r"\{\w+\}", "*", f.path) for f in FORMS if f.method == "POST"}
    missing = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api/", "/twilio/")) or rule.rule in NO_INPUT:
            continue
        pattern = re.escape(re.sub(r"<[^>]+>", "*", rule.rule)).replace(r"\*", "[^/]+")
        if not any(re.fullmatch(pattern, f) for f in fuzzed):
            missing.append(rule.rule)
    assert not missing, f"page forms not fuzzed: {missing}"
