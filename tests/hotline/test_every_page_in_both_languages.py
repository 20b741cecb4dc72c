"""Every page, as each role that may see it, in Japanese and in English, from the same templates and catalogue:
on a Japanese page, no English sentence is left.

The pages come from the app's URL map (every GET route that answers HTML), so a page added later is checked
without a line here. The world has what the pages show: deadlines open, met and missed; costs payable, reduced
and pending; a vendor dispatched despite warnings, escalated and accepted; phases moved, tasks typed, done and
overdue; reminders sent by the clock; notes; messages in the outbox. The data people type (names, summaries,
briefs) is Japanese, as at the hotline, so what remains in Latin letters is the app's own words.

The checker reads the visible text (text nodes, and the placeholder, title and aria-label attributes), leaves
out <code>, and allows only (each for a reason):
- names of laws, bodies, products and formats, written so in Japanese too: GDPR, APPI, PPC, PMK500, EU, Visa
  WTDIC, JUAS, JST, UTC, SMS, SNS, Web, CSV, API, E.164, Twilio, PDF, JPEG, PNG, HEIC, MB, KB, ID (ログインID), and
  the brand "hotline";
- the source notes staff read ("DOMAIN G.1") and the language switch's own names ("English");
- what is not words: references (CY-2026-000001), policy numbers, e-mail addresses, URLs, phone numbers,
  amounts, dates, "Alt+N"-style keys, receipt file names and content types.
"""
from __future__ import annotations

import datetime as dt
import html
import io
import re
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from hotline.accounts import service as accounts
from hotline.accounts.links import AccountSettings
from hotline.accounts.links import make_token as account_token
from hotline.accounts.models import AccountLink
from tests.support import PDF, csrf_from, jst, login

ROLES = ("operator", "coordinator", "insured", "admin")
ALLOWED_WORDS = {"GDPR", "APPI", "PPC", "PMK", "Visa", "WTDIC", "JUAS", "JST", "UTC", "SMS", "CSV", "API", "EU",
                 "SNS", "Web", "Twilio", "DOMAIN", "English", "hotline", "Alt",
                 "PDF", "JPEG", "PNG", "HEIC", "MB", "KB", "ID"}  # file formats and sizes, ログインID
NOT_WORDS = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # e-mail addresses
    r"|https?://\S+"  # links
    r"|CY-\d{4}-\d{6}"  # case references
    r"|(?<![A-Za-z])[A-Z]{2,}-[\w-]+"  # policy numbers: JUAS-2026-0001, POL-00002
    r"|(?<![A-Za-z])[IH]-\d+|(?<![A-Za-z])[A-Z]\.\d+"  # decision ids and DOMAIN sections: I-10, H-12, G.1
    r"|E\.164|\+\d[\d\s-]*"  # the phone format and numbers
    r"|[^\s/]+\.(?:pdf|jpg|png|heic)\b|(?:application|image)/[\w.+-]+"  # receipt file names and content types
    r"|¥[\d,]+|\d[\d,.:/-]*\w?")  # amounts, dates, times, counts
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Time in English units, which NOT_WORDS would take for numbers: "4d 7h", "-34d 16h", "3 h 5 min".
ENGLISH_UNITS = re.compile(r"(?<![\w.-])-?\d+\s?(?:d|h)\b")


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside <script>, <style>, <code>, and the placeholder, title and
    aria-label of elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def english_left(page: str, data: tuple[str, ...] = ()) -> list[str]:
    """The pieces of visible text that still hold English words, once the allowed names are taken out, and
    `data`: names people typed that have Latin letters in them (a vendor called "株式会社ラック (LAC)")."""
    parser = VisibleText()
    parser.feed(page)
    left = []
    for part in parser.parts:
        text = html.unescape(part)
        for name in data:
            text = text.replace(name, " ")
        words = [w for w in LATIN_WORD.findall(NOT_WORDS.sub(" ", text)) if w not in ALLOWED_WORDS]
        if words or ENGLISH_UNITS.search(text):
            left.append(part)
    return left


DECISION_CODE = re.compile(r"(?<![A-Za-z0-9-])[IH]-\d+\b|DOMAIN")


def decision_codes(page: str) -> list[str]:
    """The internal decision codes and source notes left in the visible text (what an insured must not read)."""
    parser = VisibleText()
    parser.feed(page)
    return [part for part in parser.parts if DECISION_CODE.search(html.unescape(part))]


def test_the_checker_finds_english_and_lets_names_and_numbers_through():
    assert english_left("<p>期限まであと4日</p><p>Time left</p>") == ["Time left"]
    assert english_left('<input placeholder="Consent reference"><code>forensics</code>') == ["Consent reference"]
    assert english_left("<p>GDPR第33条1項（DOMAIN G.5）· CY-2026-000123 · op@hotline.example · ¥1,000 · "
                        "2026-04-10 · JUAS-2026-0001 · +81300009001 · 判断I-10 · Alt+N</p>") == []
    assert english_left("<td>4d 7h</td><td>期限超過 -34d 16h</td><td>あと4日7時間</td>") == ["4d 7h", "期限超過 -34d 16h"]
    assert english_left("<p>株式会社ラック (LAC)</p>", data=("株式会社ラック (LAC)",)) == []
    assert decision_codes("<p>速報の期限</p><small>判断I-10（DOMAIN G.1）</small><p>CY-2026-000123</p>") == [
        "判断I-10（DOMAIN G.1）"]


@pytest.fixture
def world(app, db, factory, api_as):
    """A case with everything the pages show, for an insured company and the staff of the hotline."""
    from hotline import clock
    from hotline.dispatch import service as dispatch_service
    from hotline.dispatch.links import make_token
    from hotline.dispatch.models import DispatchAttempt
    from hotline.dispatch.settings import from_config
    from hotline.extensions import notifier as _notifier  # noqa: F401  (the app's, below)

    org = factory.org("株式会社サンプル商事")
    policy = factory.policy(org, end=jst(2099, 1, 1))
    users = {role: factory.user(role, org if role == "insured" else None, phone=f"+8130000903{i}",
                                display_name=name)
             for i, (role, name) in enumerate(zip(ROLES, ("受付 花子", "調整 太郎", "情報システム部 佐藤", "管理 一郎"),
                                                  strict=True))}
    coord = api_as(users["coordinator"])
    now = dt.datetime.now(dt.UTC)
    # The old case: every clock has run out, costs of every status, a vendor escalated and then accepted.
    case = coord.post("/cases", json={
        "policy_id": policy.id, "summary": "ランサムウェアによる暗号化、顧客情報の窃取の可能性",
        "first_discovered_at": "2026-04-10T23:30:00+09:00", "reported_at": "2026-04-11T00:15:00+09:00",
        "personal_records_affected": 5000, "card_data": True, "malicious": True, "eu_data_subjects": True,
        "pmark_holder": True, "attack_confirmed": "no", "caller_name": "佐藤", "contact_name": "佐藤 一郎",
        "contact_phone": "+819011112222", "coordinator_id": users["coordinator"].id}).get_json()
    ref = case["reference"]
    coord.post(f"/cases/{ref}/deadlines/appi_preliminary/met", json={"met_at": "2026-04-13T10:00:00+09:00"})
    for line in ({"category": "emergency_response", "amount_jpy": 2_000_000, "arose_on": "2026-04-11",
                  "ordered_at": "2026-04-11T09:00:00+09:00"},
                 {"category": "advisory", "amount_jpy": 800_000, "arose_on": "2026-04-12"},
                 {"category": "other.consolation_individual", "amount_jpy": 6_000_000, "arose_on": "2026-04-20",
                  "victims": 5000, "consent_ref": "TM-同意-1"},
                 {"category": "other.consolation_corporate", "amount_jpy": 100_000, "arose_on": "2026-04-20"}):
        assert coord.post(f"/cases/{ref}/costs", json=line).status_code == 201
    first = coord.post("/vendors", json={"name": "一番調査株式会社", "capabilities": ["forensics", "legal"],
                                         "hours": "24x7", "contacts": [{"name": "当番", "phone": "+81300000101"}]})
    second = coord.post("/vendors", json={"name": "二番調査株式会社", "capabilities": ["forensics"],
                                          "hours": "24x7", "escalation_rank": 200,
                                          "contacts": [{"name": "窓口", "phone": "+81300000102"}]})
    assert first.status_code == second.status_code == 201
    dispatch = coord.post(f"/cases/{ref}/dispatches", json={
        "vendor_id": first.get_json()["id"], "capability": "forensics", "brief": "ランサムウェアの調査をお願いします",
        "override_warnings": True}).get_json()
    waiting = coord.post(f"/cases/{ref}/dispatches", json={
        "vendor_id": first.get_json()["id"], "capability": "legal", "brief": "弁護士相談", "override_warnings": True}
    ).get_json()
    with app.app_context():
        settings = from_config(app.config)
        later = now + settings.ack_timeout + dt.timedelta(minutes=1)
        dispatch_service.escalate_one(db, now=later, notifier=app.extensions["hotline.notifier"], settings=settings)
    coord.post(f"/cases/{ref}/dispatches/{dispatch['id']}", json={"action": "accept", "note": "電話で受諾"})
    coord.post(f"/cases/{ref}/notes", json={"kind": "call", "text": "被保険者から進捗確認の電話"})
    coord.post(f"/cases/{ref}/phases/intake", json={"action": "complete"})
    coord.post(f"/cases/{ref}/phases/initial_response", json={"action": "start"})
    coord.post(f"/cases/{ref}/phases/call_center", json={"action": "skip", "reason": "問い合わせ窓口は不要"})
    coord.post(f"/cases/{ref}/tasks", json={"phase": "initial_response", "title": "経営層への報告",
                                            "due_at": "2026-04-12T09:00:00+09:00", "owner_id": users["operator"].id})
    coord.patch(f"/cases/{ref}", json={"sensitive_data": True, "contact_language": "en"})
    # A fresh case: its GDPR clock has two hours left, so the clock sends the nearest reminder at once.
    fresh = coord.post("/cases", json={
        "policy_id": policy.id, "summary": "通販サイトのカード情報漏えいの疑い", "eu_data_subjects": True,
        "first_discovered_at": (now - dt.timedelta(hours=70)).isoformat(), "contact_phone": "+819033334444",
        "coordinator_id": users["coordinator"].id}).get_json()
    clock.tick(app, now=now)
    attempt = db.exec(select(DispatchAttempt).where(DispatchAttempt.dispatch_id == waiting["id"])
                      .order_by(DispatchAttempt.step)).first()
    # The insured's portal: a receipt, messages both ways, an invitation and a password link.
    line = coord.get(f"/cases/{ref}/costs").get_json()[0]["id"]
    receipt = coord.post(f"/cases/{ref}/costs/{line}/receipts", data={"file": (io.BytesIO(PDF), "領収書.pdf")},
                         content_type="multipart/form-data").get_json()
    api_as(users["insured"]).post(f"/cases/{ref}/messages", json={"body": "通知文の案を確認してください"})
    coord.post(f"/cases/{ref}/messages", json={"body": "確認しました"})
    api_as(users["insured"]).post(f"/cases/{ref}/messages", json={"body": "ありがとうございます"})
    settings = AccountSettings.from_config(app.config)
    with app.app_context():
        _user, invitation = accounts.invite(db, organization_id=org.id, email="invited@example.jp", name="招待 次郎",
                                            actor=users["coordinator"], settings=settings,
                                            notifier=app.extensions["hotline.notifier"])
        accounts.request_reset(db, email="reset@example.jp", settings=settings,
                               notifier=app.extensions["hotline.notifier"])
        factory.user("insured", org, email="reset@example.jp")
        accounts.request_reset(db, email="reset@example.jp", settings=settings,
                               notifier=app.extensions["hotline.notifier"])
    reset = db.exec(select(AccountLink).where(AccountLink.purpose == "password_reset")).one()
    # The phone line: the operator on duty, a call answered and on the case's timeline, a missed one to call back.
    from hotline.calls import service as calls
    from hotline.calls.models import Call
    from hotline.cases.models import Case

    calls.add_roster_entry(db, user_id=users["operator"].id, weekdays="01234", starts=dt.time(9), ends=dt.time(18),
                           position=0, actor=None)
    answered = Call(sid="CA" + "1" * 32, from_number="+819011112222", from_e164="+819011112222", started_at=now,
                    status="answered", choice="new", organization_ids=[org.id], answered_by_id=users["operator"].id,
                    answered_at=now, ended_at=now, duration_seconds=200)
    missed = Call(sid="CA" + "2" * 32, from_number="anonymous", started_at=now, status="missed", ended_at=now)
    db.add_all([answered, missed])
    db.flush()
    calls.link_case(db, answered, db.exec(select(Case).where(Case.reference == ref)).one(), actor=users["operator"],
                    now=now)
    db.commit()
    return {"users": users, "values": {"reference": ref, "policy_id": policy.id,
                                       "vendor_id": first.get_json()["id"],
                                       "token": make_token(app.config["SECRET_KEY"], attempt.id),
                                       "line_id": line, "receipt_id": receipt["id"], "organization_id": org.id,
                                       "invitation_token": account_token(settings.secret_key, "invitation",
                                                                         invitation.id, invitation.nonce),
                                       "reset_token": account_token(settings.secret_key, "password_reset", reset.id,
                                                                    reset.nonce)},
            "fresh": fresh["reference"]}


def _pages(app, values) -> list[str]:
    """Every GET route that answers a page (not the API, a CSV or a PDF, a JSON lookup, a receipt or a static file)."""
    out = []
    for rule in app.url_map.iter_rules():
        if ("GET" not in rule.methods or rule.rule.startswith(("/static", "/api/")) or rule.rule.endswith((".csv", ".pdf"))
                or rule.endpoint in ("cases.policy_lookup", "dashboard.root", "costs.receipt")):
            continue
        out.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule))
    return sorted(out)


def test_every_page_reads_japanese_in_japanese_and_renders_in_english(app, world):
    pages = _pages(app, world["values"])
    seen: dict[str, set[str]] = {p: set() for p in pages}
    problems = []
    clients = {"anonymous": app.test_client()}
    for role in ROLES:
        clients[role] = app.test_client()
        login(clients[role], world["users"][role])
    for who, client in clients.items():
        for path in pages:
            for query in ("", "?capability=forensics") if path.endswith(("/dispatches", "/vendors")) else ("",):
                ja = client.get(path + query, headers={"Accept-Language": "ja"})
                if ja.status_code != 200 or "text/html" not in ja.content_type:
                    continue
                seen[path].add(who)
                left = english_left(ja.get_data(as_text=True))
                if left:
                    problems.append(f"{who} {path}{query}: {left[:8]}")
                if who == "insured":  # rules in plain words: no decision code or source note for insureds
                    codes = decision_codes(ja.get_data(as_text=True))
                    if codes:
                        problems.append(f"{who} {path}{query}: decision codes {codes[:8]}")
                en = client.get(path + query, headers={"Accept-Language": "en"})
                assert en.status_code == 200 and 'lang="en"' in en.get_data(as_text=True), (who, path)
                assert 'lang="ja"' in ja.get_data(as_text=True), (who, path)
    assert not [p for p, who in seen.items() if not who], "pages nobody could open"
    assert seen[f"/cases/{world['values']['reference']}"] >= {"operator", "coordinator"}
    assert seen[f"/incidents/{world['values']['reference']}"] >= {"operator", "coordinator", "insured"}
    assert not problems, "English on Japanese pages:\n" + "\n".join(problems)


# --- A refused form (422) reads Japanese too -----------------------------------------------------------------
# What a person typed wrong on each kind of page form, in Japanese or in digits (it is shown again as typed): the
# validators' refusals and the services' own (a date in the future, a duplicate, an end before the start).
REFUSED_FORMS = [
    ("coordinator", "/cases/new", {"policy": "{policy_number}", "first_discovered_at": "2026年2月30日 9時",
                                   "summary": "", "personal_records_affected": "たくさん", "contact_phone": "090-1234",
                                   "contact_email": "佐藤＠", "contact_language": "fr"}),
    ("coordinator", "/cases/new", {"policy": "{policy_number}", "first_discovered_at": "2099/01/01 09:00",
                                   "summary": "暗号化されたファイル"}),
    ("coordinator", "/cases/{ref}/facts", {"caller_email": "あ", "personal_records_affected": "-5"}),
    ("coordinator", "/cases/{ref}/deadlines/appi_preliminary/met", {"met_at": "2099年1月1日 9時"}),
    ("coordinator", "/cases/{ref}/tasks", {"phase": "intake", "title": "", "due_at": "明日"}),
    ("coordinator", "/cases/{ref}/phases/call_center", {"action": "skip", "reason": ""}),
    ("coordinator", "/cases/{ref}/notes", {"kind": "note", "text": ""}),
    ("coordinator", "/cases/{ref}/costs/new", {"category": "investigation", "amount_jpy": "百万円",
                                               "arose_on": "2026/02/30"}),
    ("coordinator", "/vendors/new", {"name": "", "contacts": "当番, 123", "capabilities": "forensics"}),
    ("coordinator", "/organizations", {"name": ""}),
    ("coordinator", "/policies", {"organization_id": "{organization}", "product": "tm-juas-2026", "plan": "A",
                                  "policy_number": "{policy_number}", "period_start": "2027/03/01 16:00",
                                  "period_end": "2026/03/01 16:00"}),
    ("admin", "/admin/users", {"email": "あ", "role": "insured", "password": "短い", "phone": "090",
                               "language": "fr"}),
    ("admin", "/admin/users/{user}", {"role": "operator", "phone": "03-12", "language": "fr"}),
    ("coordinator", "/organizations/{organization}/invitations", {"email": "佐藤＠", "name": ""}),
    ("coordinator", "/incidents/{ref}/costs/new", {"category": "other.staff", "amount_jpy": "たくさん",
                                                   "arose_on": "2026/02/30"}),
    ("insured", "/incidents/{ref}/costs/new", {"category": "other.staff", "amount_jpy": "1000",
                                               "arose_on": "2026/04/20", "victims": "たくさん"}),
    ("insured", "/cases/{ref}/messages", {"body": ""}),
    ("coordinator", "/cases/{ref}/messages", {"body": "あ" * 6000}),
]


def refused_form_answers(app, factory):
    """Each of REFUSED_FORMS posted in Japanese by its role, on a world made for it: (role, path, form, answer).
    Also used by tests/hotline/test_security_headers.py."""
    org = factory.org("株式会社入力確認")
    policy = factory.policy(org, end=jst(2099, 1, 1))
    case = factory.case(policy, eu_data_subjects=True, malicious=True, personal_records_affected=5000)
    users = {role: factory.user(role) for role in ("coordinator", "admin")}
    users["insured"] = factory.user("insured", org)
    names = {"ref": case.reference, "policy_number": policy.policy_number, "organization": org.id,
             "user": users["coordinator"].id}

    def fill(text: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: str(names[m.group(1)]), text)

    for role, path, form in REFUSED_FORMS:
        client = app.test_client()
        login(client, users[role])
        token = csrf_from(client, "/dashboard")
        yield role, path, form, client.post(fill(path), data={**{k: fill(v) for k, v in form.items()},
                                                              "csrf_token": token},
                                            headers={"Accept-Language": "ja"})


def test_a_refused_form_reads_japanese_on_a_japanese_page(app, factory):
    """Each error beside its field, and the page around it, in Japanese: no English left on a 422 page."""
    problems = []
    for role, path, form, r in refused_form_answers(app, factory):
        body = r.get_data(as_text=True)
        assert r.status_code == 422 and 'lang="ja"' in body, (path, form, r.status_code)
        assert "field-error" in body, (path, form)  # the error is beside its field, not only on top
        left = english_left(body)
        if left:
            problems.append(f"{role} {path} {form}: {left[:8]}")
    assert not problems, "English on Japanese 422 pages:\n" + "\n".join(problems)


# --- What a page says after an action, and the pages nobody asks for ------------------------------------------
def _ja(client, method: str, path: str, data: dict | None = None):
    """A request in Japanese, following redirects to the page that shows the result (its flash message)."""
    headers = {"Accept-Language": "ja"}
    if method == "GET":
        return client.get(path, headers=headers, follow_redirects=True)
    return client.post(path, headers=headers, follow_redirects=True,
                       data={**(data or {}), "csrf_token": csrf_from(client, "/dashboard")})


def test_results_and_error_pages_read_japanese(app, world, monkeypatch):
    """The flash message after each kind of action (Flask-Login's too), the 403, 404 and 500 pages: Japanese."""
    ref, values = world["values"]["reference"], world["values"]
    anonymous = app.test_client()
    login_page = _ja(anonymous, "GET", f"/cases/{ref}")  # Flask-Login's message on the login page
    assert "ログイン" in login_page.get_data(as_text=True)
    problems = [f"anonymous: {left}" for left in [english_left(login_page.get_data(as_text=True))] if left]
    coordinator, insured, admin = (app.test_client() for _ in range(3))
    login(coordinator, world["users"]["coordinator"])
    login(insured, world["users"]["insured"])
    login(admin, world["users"]["admin"])
    actions = [
        (coordinator, "POST", f"/cases/{ref}/facts", {"summary": "ランサムウェアによる暗号化（更新）",
                                                      "personal_records_affected": "6,000"}),
        (coordinator, "POST", f"/cases/{ref}/deadlines/card_brand/met", {"met_at": ""}),
        (coordinator, "POST", f"/cases/{ref}/notes", {"kind": "note", "text": "保険会社へ連絡済み"}),
        (coordinator, "POST", f"/cases/{ref}/tasks", {"phase": "initial_response", "title": "社内報告",
                                                      "owner_role": "coordinator"}),
        (coordinator, "POST", f"/cases/{ref}/phases/initial_response", {"action": "complete",
                                                                         "next": f"/cases/{ref}"}),
        (coordinator, "POST", f"/cases/{ref}/dispatches", {"from": "proposal", "capability": "legal",
                                                           "vendor_id": values["vendor_id"], "brief": "至急",
                                                           "override_warnings": "on"}),
        (coordinator, "POST", f"/cases/{ref}/costs/new", {"category": "investigation", "amount_jpy": "120万円",
                                                          "arose_on": "2026/04/15"}),
        (coordinator, "POST", f"/cases/{ref}/messages", {"body": "状況をご報告します"}),
        (coordinator, "POST", "/vendors/new", {"name": "三番調査株式会社", "capabilities": "forensics",
                                               "hours": "24x7", "contacts": "当番, 03-0000-0103", "active": "on"}),
        (insured, "POST", f"/cases/{ref}/messages", {"body": "承知しました"}),
        (insured, "GET", "/vendors", None),  # 403
        (insured, "GET", "/cases/CY-2026-999999", None),  # 404
        (admin, "GET", "/cases/new", None),  # 403
        (coordinator, "GET", "/no/such/page", None),  # 404
    ]
    for client, method, path, data in actions:
        r = _ja(client, method, path, data)
        assert r.status_code in (200, 403, 404), (path, r.status_code)
        left = english_left(r.get_data(as_text=True))
        if left:
            problems.append(f"{method} {path} → {r.status_code}: {left[:8]}")

    def boom():
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.view_functions, "dashboard.index", boom)
    r = _ja(coordinator, "GET", "/dashboard")
    assert r.status_code == 500
    problems += [f"500: {left}" for left in [english_left(r.get_data(as_text=True))] if left]
    assert not problems, "English on Japanese pages after an action:\n" + "\n".join(problems)
