"""Who may call what: every route of the app × every method it registers × anonymous and each role, and for a
case or a policy another organisation's, with the answer expected for each written down in ROUTES.

Reading a line of ROUTES:

    R("POST", "/cases/<reference>/costs/<int:line_id>/remove", "op co", 302),

the method and the rule as `app.url_map` spells them (`flask --app hotline routes` lists them), who may call it,
what an allowed call answers, then the request that makes it succeed (a JSON body for /api/v1, form fields for
pages) when it needs one.

Who: "op co in ad" are the roles allowed (operator, coordinator, insured, admin); the others get 403.
     Anonymous callers get 401 on /api/v1 (even carrying a staff member's page session: cookies never
     authenticate the API) and the login page on pages. ANYONE: no account needed, every caller gets the same
     answer (`anonymous=` when an anonymous caller's differs). LINK: the signed link of a vendor's answer, sent by
     SMS; a forged link gets 404. TWILIO: Twilio's webhooks, signed with X-Twilio-Signature; unsigned or signed
     with another key, 403.
Answers: an allowed call must succeed: its 2xx, or a redirect to a page of the site that shows no error
     message, or a 409/422 written in its line. A 500 is never right.
Another organisation: on every route taking a case (<reference>) or a policy (<int:policy_id>), an insured
     asking for another company's gets 404 as if it did not exist (403 where the role may not use the route at
     all), and no answer to an insured names another company's case, policy or organisation, nor a staff member's
     or a vendor's phone or e-mail.

Adding a route (issues 10, 12 and 14 will): add its line to ROUTES, in its domain's group. A path argument with
a new name needs a builder, `Objects.make_<name>`, which makes one through the API (a fresh one for every call that
changes something; reads share one). `test_every_route_is_listed` fails, naming the route and the line to
add, until it is there. A known authorisation defect: the line keeps the correct answer, and KNOWN_DEFECTS marks
that call `xfail(strict=True)` with the defect's name.

The world is built once per module and database: one user per role, two organisations with a policy each,
a case of the other organisation; each test makes the rows it changes.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.orgs.models import Organization
from tests.support import FAST_HASH, PASSWORD, PDF, TOKYO, Factory, csrf_from, login

ROLES = ("operator", "coordinator", "insured", "admin")
SHORT = {"op": "operator", "co": "coordinator", "in": "insured", "ad": "admin"}
ANYONE, LINK, TWILIO = "anyone", "signed link", "Twilio signature"
TWILIO_AUTH_TOKEN = "matrix-twilio-auth-token"  # signatures only: without a SID, messages stay in the outbox

# Instants around the real clock with days of margin: the app compares them with its own now.
NOW = dt.datetime.now(TOKYO).replace(second=0, microsecond=0)
DISCOVERED, MET = NOW - dt.timedelta(days=2), NOW - dt.timedelta(hours=1)
PERIOD = (NOW - dt.timedelta(days=180), NOW + dt.timedelta(days=180))


def _local(instant: dt.datetime) -> str:
    """A page's datetime-local value (JST)."""
    return instant.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class R:
    method: str
    rule: str
    who: str
    ok: int
    body: dict | None = None
    anonymous: int | None = None  # ANYONE routes: an anonymous caller's answer, when it differs from `ok`
    own_session: bool = False  # the call ends the session it rides on, so it gets one of its own
    insured: int | None = None  # an insured's answer, when it differs (a staff page leading to the insured's own)
    multipart: bool = False  # an API call with a file: the body is sent as multipart/form-data

    @property
    def api(self) -> bool:
        return self.rule.startswith("/api/")

    def answer(self, principal: str) -> int:
        """What an allowed caller gets."""
        if principal == "insured" and self.insured:
            return self.insured
        return self.anonymous if principal == "anonymous" and self.anonymous else self.ok

    def allows(self, principal: str) -> bool:
        if self.who in (ANYONE, LINK, TWILIO):
            return True
        return principal in {SHORT[s] for s in self.who.split()}

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


CASE_JSON = {"policy_id": "{policy_id}", "first_discovered_at": DISCOVERED.isoformat(), "summary": "不審な通信 {n}"}
CASE_FORM = {"policy": "{policy_number}", "first_discovered_at": _local(DISCOVERED), "summary": "不審な通信 {n}"}
POLICY_JSON = {"organization_id": "{organization_id}", "product": "tm-juas-2026", "plan": "A",
               "policy_number": "M-{n}", "period_start": PERIOD[0].isoformat(), "period_end": PERIOD[1].isoformat()}
POLICY_FORM = {**POLICY_JSON, "period_start": _local(PERIOD[0]), "period_end": _local(PERIOD[1])}
COST_JSON = {"category": "other.staff", "amount_jpy": 1000, "arose_on": NOW.date().isoformat()}
COST_FORM = {**COST_JSON, "amount_jpy": "1000"}
VENDOR_JSON = {"name": "業者 {n}", "capabilities": ["forensics"], "hours": "24x7",
               "contacts": [{"name": "当番", "phone": "+81300000101"}]}
VENDOR_FORM = {"name": "業者 {n}", "capabilities": ["forensics"], "hours": "24x7", "contacts": "当番, +81300000101",
               "active": "on"}
DISPATCH_JSON = {"vendor_id": "{vendor_id}", "capability": "forensics", "brief": "調査 {n}",
                 "override_warnings": True}
DISPATCH_FORM = {**DISPATCH_JSON, "override_warnings": "on"}
INVITATION = {"email": "invitee{n}@example.jp", "name": "招待 {n}"}
NEW_PASSWORD = {"password": "a-new-passphrase", "confirm": "a-new-passphrase"}

ROUTES = [
    # --- No account: the root, logging in and out, static files, the API document, vendors' links, Twilio
    R("GET", "/", ANYONE, 302),
    R("GET", "/login", ANYONE, 302, anonymous=200),  # a logged-in user is sent on to the dashboard
    R("POST", "/login", ANYONE, 302, {"email": "{login_email}", "password": PASSWORD}),
    R("POST", "/logout", ANYONE, 302, own_session=True),
    R("GET", "/static/<path:filename>", ANYONE, 200),
    R("GET", "/api/v1/openapi.json", ANYONE, 200),
    R("GET", "/dispatch/answer/<token>", LINK, 200),
    R("POST", "/dispatch/answer/<token>", LINK, 200, {"answer": "accept"}),
    R("POST", "/twilio/dispatch/<token>/voice", TWILIO, 200, {"CallSid": "CA{n}"}),
    R("POST", "/twilio/dispatch/<token>/answer", TWILIO, 200, {"CallSid": "CA{n}", "Digits": "1"}),
    R("POST", "/twilio/voice", TWILIO, 200, {"CallSid": "{call_sid}", "From": "+819011112222", "To": "+81300001000"}),
    R("POST", "/twilio/voice/menu", TWILIO, 200, {"CallSid": "{call_sid}", "From": "+819011112222", "Digits": "1"}),
    R("POST", "/twilio/voice/dial-result", TWILIO, 200, {"CallSid": "{call_sid}", "DialCallStatus": "no-answer"}),
    R("POST", "/twilio/sms", TWILIO, 200, {"MessageSid": "SM{n}", "From": "+819012345678", "Body": "123"}),
    R("POST", "/twilio/status", TWILIO, 204, {"MessageSid": "SM{n}", "MessageStatus": "delivered"}),
    # --- Dashboards, metrics, outbox, users and tokens
    R("GET", "/dashboard", "op co in ad", 200),
    R("POST", "/account/language", "op co in ad", 302, {"language": "ja", "next": "/dashboard"}),
    R("GET", "/metrics", "op co ad", 200),
    R("GET", "/api/v1/metrics", "op co ad", 200),
    R("GET", "/outbox/", "co ad", 200),
    R("GET", "/api/v1/outbox", "co ad", 200),
    R("POST", "/outbox/<int:message_id>/handled", "co ad", 302),
    R("GET", "/admin/users", "ad", 200),
    R("POST", "/admin/users", "ad", 302, {"email": "new{n}@example.jp", "role": "operator", "password": PASSWORD}),
    R("POST", "/admin/users/<int:user_id>", "ad", 302, {"role": "operator", "display_name": "更新 {n}",
                                                        "is_active": "on"}),
    R("POST", "/admin/tokens/<int:token_id>/revoke", "ad", 302),
    # --- Organisations and policies
    R("GET", "/policies", "op co ad", 200),
    R("POST", "/organizations", "co ad", 302, {"name": "新規株式会社 {n}"}),
    R("POST", "/policies", "co ad", 302, POLICY_FORM),
    R("GET", "/api/v1/organizations", "op co ad", 200),
    R("POST", "/api/v1/organizations", "co ad", 201, {"name": "新規株式会社 {n}"}),
    R("GET", "/api/v1/policies", "op co in ad", 200),
    R("POST", "/api/v1/policies", "co ad", 201, POLICY_JSON),
    R("GET", "/api/v1/policies/<int:policy_id>", "op co in ad", 200),
    # --- Cases, their facts and deadlines
    R("GET", "/cases", "op co in ad", 200, insured=302),  # an insured goes to their dashboard
    R("GET", "/cases/new", "op co", 200),
    R("POST", "/cases/new", "op co", 302, CASE_FORM),
    R("GET", "/cases/policy-lookup", "op co", 200),
    R("GET", "/cases/<reference>", "op co in ad", 200, insured=302),  # an insured goes to /incidents/<reference>
    R("POST", "/cases/<reference>/facts", "op co", 302, {"summary": "更新 {n}", "eu_data_subjects": "on"}),
    R("POST", "/cases/<reference>/deadlines/<kind>/met", "op co", 302, {"met_at": _local(MET)}),
    R("POST", "/api/v1/cases", "op co", 201, CASE_JSON),
    R("GET", "/api/v1/cases", "op co in ad", 200),
    R("GET", "/api/v1/cases/<reference>", "op co in ad", 200),
    R("PATCH", "/api/v1/cases/<reference>", "op co", 200, {"summary": "更新 {n}"}),
    R("GET", "/api/v1/cases/<reference>/deadlines", "op co in ad", 200),
    R("POST", "/api/v1/cases/<reference>/deadlines/<kind>/met", "op co", 200, {"met_at": MET.isoformat()}),
    # --- Phases, checklists, timeline
    R("GET", "/cases/<reference>/phases", "op co in ad", 200),
    R("POST", "/cases/<reference>/phases/<key>", "op co", 302, {"action": "complete"}),
    R("POST", "/cases/<reference>/tasks", "op co", 302, {"phase": "intake", "title": "折り返し電話 {n}"}),
    # The case is open: reopening it is a named 409 (case_open); tests/hotline/phases/test_closed_case.py reopens one.
    R("POST", "/cases/<reference>/reopen", "op co", 409, {"reason": "再調査 {n}"}),
    R("POST", "/cases/<reference>/tasks/<int:task_id>/done", "op co", 302),
    R("GET", "/cases/<reference>/timeline", "op co in ad", 200),
    R("GET", "/cases/<reference>/timeline.csv", "op co in ad", 200),
    R("POST", "/cases/<reference>/notes", "op co", 302, {"kind": "note", "text": "メモ {n}"}),
    R("GET", "/api/v1/cases/<reference>/phases", "op co in ad", 200),
    R("POST", "/api/v1/cases/<reference>/phases/<key>", "op co", 200, {"action": "complete"}),
    R("POST", "/api/v1/cases/<reference>/tasks", "op co", 201, {"phase": "intake", "title": "折り返し電話 {n}"}),
    R("POST", "/api/v1/cases/<reference>/reopen", "op co", 409, {"reason": "再調査 {n}"}),
    R("POST", "/api/v1/cases/<reference>/tasks/<int:task_id>", "op co", 200, {"status": "done"}),
    R("GET", "/api/v1/cases/<reference>/timeline", "op co in ad", 200),
    R("GET", "/api/v1/cases/<reference>/timeline.csv", "op co in ad", 200),
    R("POST", "/api/v1/cases/<reference>/notes", "op co", 201, {"kind": "call", "text": "被保険者から電話 {n}"}),
    # --- Costs and coverage
    R("GET", "/cases/<reference>/costs", "op co in ad", 200),
    R("GET", "/cases/<reference>/costs/new", "op co in", 200, insured=302),  # to the insured's form
    R("POST", "/cases/<reference>/costs/new", "op co in", 302, COST_FORM),
    R("POST", "/cases/<reference>/costs/<int:line_id>/consent", "op co", 302, {"consent_ref": "TM-{n}"}),
    R("POST", "/cases/<reference>/costs/<int:line_id>/remove", "op co", 302),
    R("GET", "/cases/<reference>/coverage", "op co in ad", 200),
    R("GET", "/policies/<int:policy_id>/coverage", "op co in ad", 200),
    R("POST", "/api/v1/cases/<reference>/costs", "op co in", 201, COST_JSON),
    R("GET", "/api/v1/cases/<reference>/costs", "op co in ad", 200),
    R("PATCH", "/api/v1/cases/<reference>/costs/<int:line_id>", "op co", 200, {"note": "更新 {n}"}),
    R("DELETE", "/api/v1/cases/<reference>/costs/<int:line_id>", "op co", 200),
    R("POST", "/api/v1/cases/<reference>/costs/<int:line_id>/consent", "op co", 200, {"consent_ref": "TM-{n}"}),
    R("GET", "/api/v1/cases/<reference>/coverage", "op co in ad", 200),
    R("GET", "/api/v1/policies/<int:policy_id>/coverage", "op co in ad", 200),
    # --- Vendors and dispatch
    R("GET", "/vendors", "op co ad", 200),
    R("GET", "/vendors/new", "co ad", 200),
    R("POST", "/vendors/new", "co ad", 302, VENDOR_FORM),
    R("GET", "/vendors/<int:vendor_id>", "op co ad", 200),
    R("POST", "/vendors/<int:vendor_id>", "co ad", 302, VENDOR_FORM),
    R("GET", "/cases/<reference>/dispatches", "op co ad", 200),
    R("POST", "/cases/<reference>/dispatches", "co ad", 302, DISPATCH_FORM),
    R("POST", "/cases/<reference>/dispatches/<int:dispatch_id>", "co ad", 302, {"action": "accept"}),
    R("GET", "/api/v1/vendors", "op co ad", 200),
    R("POST", "/api/v1/vendors", "co ad", 201, VENDOR_JSON),
    R("GET", "/api/v1/vendors/<int:vendor_id>", "op co ad", 200),
    R("PATCH", "/api/v1/vendors/<int:vendor_id>", "co ad", 200, {"note": "更新 {n}"}),
    R("GET", "/api/v1/cases/<reference>/dispatches", "op co ad", 200),
    R("POST", "/api/v1/cases/<reference>/dispatches", "co ad", 201, DISPATCH_JSON),
    R("GET", "/api/v1/cases/<reference>/dispatches/<int:dispatch_id>", "op co ad", 200),
    R("POST", "/api/v1/cases/<reference>/dispatches/<int:dispatch_id>", "co ad", 200, {"action": "accept"}),
    # --- The insured's portal (issue 12): accounts and links, incident pages, messages, receipts, claim report
    R("GET", "/organizations/<int:organization_id>/invitations", "co ad", 200),
    R("POST", "/organizations/<int:organization_id>/invitations", "co ad", 302, INVITATION),
    R("POST", "/organizations/<int:organization_id>/insureds/<int:insured_id>", "ad", 302, {"action": "reactivate"}),
    R("POST", "/api/v1/organizations/<int:organization_id>/invitations", "co ad", 201, INVITATION),
    R("GET", "/account/setup/<invitation_token>", LINK, 200),
    R("POST", "/account/setup/<invitation_token>", LINK, 302, NEW_PASSWORD, own_session=True),  # logs the user in
    R("GET", "/password/forgot", ANYONE, 200),
    R("POST", "/password/forgot", ANYONE, 200, {"email": "{login_email}"}),
    R("GET", "/password/reset/<reset_token>", LINK, 200),
    R("POST", "/password/reset/<reset_token>", LINK, 302, NEW_PASSWORD, own_session=True),
    R("GET", "/incidents/<reference>", "op co in ad", 200),
    R("GET", "/incidents/<reference>/costs/new", "op co in", 200),
    R("POST", "/incidents/<reference>/costs/new", "op co in", 302, {**COST_FORM, "file": "{receipt_file}"}),
    R("GET", "/cases/<reference>/messages", "op co in ad", 200, insured=302),  # an insured reads them on their page
    R("POST", "/cases/<reference>/messages", "op co in", 302, {"body": "メッセージ {n}"}),
    R("POST", "/cases/<reference>/messages/read", "op co", 302),
    R("GET", "/api/v1/cases/<reference>/messages", "op co in ad", 200),
    R("POST", "/api/v1/cases/<reference>/messages", "op co in", 201, {"body": "メッセージ {n}"}),
    R("POST", "/cases/<reference>/costs/<int:line_id>/receipts", "op co in", 302, {"file": "{receipt_file}"}),
    R("GET", "/cases/<reference>/costs/<int:line_id>/receipts/<int:receipt_id>", "op co in ad", 200),
    R("POST", "/api/v1/cases/<reference>/costs/<int:line_id>/receipts", "op co in", 201, {"file": "{receipt_file}"},
      multipart=True),
    R("GET", "/api/v1/cases/<reference>/costs/<int:line_id>/receipts", "op co in ad", 200),
    R("GET", "/api/v1/cases/<reference>/costs/<int:line_id>/receipts/<int:receipt_id>", "op co in ad", 200),
    R("GET", "/cases/<reference>/claim-report", "op co in ad", 200),
    R("GET", "/cases/<reference>/claim-report.pdf", "op co in ad", 200),
    R("GET", "/cases/<reference>/claim-report.csv", "op co in ad", 200),
    R("GET", "/api/v1/cases/<reference>/claim-report.pdf", "op co in ad", 200),
    R("GET", "/api/v1/cases/<reference>/claim-report.csv", "op co in ad", 200),
    # --- The phone line (issue 10): the operators' panel, the caller log, the roster, the phone simulator (calls, texts)
    R("GET", "/calls/panel", "op co ad", 200),
    R("GET", "/calls", "op co ad", 200),
    R("POST", "/calls/<int:call_id>/called-back", "op co", 302),
    R("POST", "/calls/<int:call_id>/case", "op co", 302, {"reference": "{reference}"}),
    R("GET", "/api/v1/calls", "op co ad", 200),
    R("GET", "/api/v1/calls/<int:call_id>", "op co ad", 200),
    R("GET", "/admin/roster", "ad", 200),
    R("POST", "/admin/roster", "ad", 302, {"user_id": "{roster_user_id}", "weekdays": ["0", "6"], "starts": "9:00",
                                           "ends": "18:00", "position": "3"}),
    R("POST", "/admin/roster/<int:entry_id>/remove", "ad", 302),
    R("GET", "/admin/phone", "ad", 200),
    R("POST", "/admin/phone/ring", "ad", 200, {"number": "+819011112222", "keys": "1"}),
    R("POST", "/admin/phone/<int:call_id>/leg", "ad", 200, {"answered": "no"}),
    R("POST", "/admin/phone/text", "ad", 200, {"from_number": "090-1234-5678", "body": "123"}),
]

# (method, rule, principal) → the defect, for calls that answer wrongly today: xfail(strict=True) until fixed.
KNOWN_DEFECTS: dict[tuple[str, str, str], str] = {}

_ARG = re.compile(r"<(?:[^:>]+:)?([^>]+)>")
_counter = itertools.count(1)


# --- The world ---------------------------------------------------------------------------------------------
class World:
    """Built once per module and database: the app, one user per role with an API token and a logged-in page
    session, the own organisation (the insured's) and another one with a case of its own."""

    def __init__(self, app):
        self.app = app
        self.db = Session(app.extensions["hotline.engine"], expire_on_commit=False)
        self.factory = factory = Factory(self.db)
        own, other = factory.org("自社株式会社"), factory.org("他社株式会社")
        self.organization_id = own.id
        self.users = {role: factory.user(role, own if role == "insured" else None,
                                         phone=None if role == "insured" else f"+8130000020{i}")
                      for i, role in enumerate(ROLES)}
        self.tokens = {role: factory.token(user) for role, user in self.users.items()}
        self.api_client = app.test_client()  # carries bearer tokens, never cookies
        self.pages, self.csrf = {}, {}
        for role in ROLES:
            self.pages[role], self.csrf[role] = self.logged_in(role)
        own_policy = self.api("POST", "/api/v1/policies", {**POLICY_JSON, "organization_id": own.id,
                                                           "policy_number": "OWN-1"})
        other_policy = self.api("POST", "/api/v1/policies", {**POLICY_JSON, "organization_id": other.id,
                                                             "policy_number": "OTHER-1"})
        self.policy_id, self.policy_number = own_policy["id"], own_policy["policy_number"]
        self.shared = Objects(self)  # for reads, and for calls that must change nothing
        self.other = Objects(self, reference=self.new_case(other_policy["id"]), policy_id=other_policy["id"])
        for name in ("line_id", "task_id", "dispatch_id", "receipt_id"):  # so that it has something to leak
            getattr(self.other, name)
        self.api("POST", f"/api/v1/cases/{self.other.reference}/notes", {"text": "他社のメモ"}, as_="operator")
        self.api("POST", f"/api/v1/cases/{self.other.reference}/messages", {"body": "他社へのメッセージ"})
        # What an insured must never read: another company's names, staff and vendors' contact details.
        self.foreign = {"他社株式会社", "OTHER-1", self.other.reference, "+81300000101",
                        *(u.email for r, u in self.users.items() if r != "insured"),
                        *(u.phone for r, u in self.users.items() if r != "insured")}

    def logged_in(self, role: str):
        """A page session of a fresh user of the role: logging out ends every session of its user, so the shared
        sessions keep theirs."""
        client = self.app.test_client()
        login(client, self.factory.user(role, self.db.get(Organization, self.organization_id)
                                        if role == "insured" else None))
        return client, csrf_from(client, "/dashboard")

    def api(self, method: str, path: str, body: dict | None = None, *, as_: str = "coordinator") -> dict:
        """A call that builds the world, through the API as its users make them."""
        response = self.api_client.open(path, method=method, json=body,
                                        headers={"Authorization": f"Bearer {self.tokens[as_]}"})
        assert response.status_code in (200, 201), (method, path, response.status_code, response.get_json())
        return response.get_json()

    def new_case(self, policy_id: int) -> str:
        """A case through intake: EU data subjects (so the GDPR deadline is open), the coordinator assigned."""
        return self.api("POST", "/api/v1/cases", {
            **CASE_JSON, "policy_id": policy_id, "summary": f"権限テスト {next(_counter)}", "eu_data_subjects": True,
            "personal_records_affected": 10, "coordinator_id": self.users["coordinator"].id})["reference"]


class Objects:
    """The objects a call's path and body name, each built on first use and then kept. Every builder makes a
    new one through the API: an `Objects()` per call gives fresh rows; the world's shared one is reused."""

    def __init__(self, world: World, **given):
        self.world = world
        self.__dict__.update(given)

    def __getattr__(self, name: str):  # only called for what is not built yet
        if name.startswith("_") or not hasattr(type(self), "make_" + name):
            raise AttributeError(name)
        value = getattr(self, "make_" + name)()
        setattr(self, name, value)
        return value

    def fill(self, template):
        """'{name}' → the object itself (e.g. an int id), '{n}' inside text → a number unique to the run,
        '{receipt_file}' → a fresh receipt file to upload."""
        if template == "{receipt_file}":
            return (io.BytesIO(PDF), "領収書 {n}.pdf".replace("{n}", str(next(_counter))))
        if isinstance(template, str):
            if re.fullmatch(r"\{\w+\}", template) and template != "{n}":
                return getattr(self, template[1:-1])
            return template.replace("{n}", str(next(_counter)))
        if isinstance(template, dict):
            return {k: self.fill(v) for k, v in template.items()}
        if isinstance(template, list):
            return [self.fill(v) for v in template]
        return template

    def path(self, rule: str) -> str:
        return _ARG.sub(lambda m: str(getattr(self, m.group(1))), rule)

    # One builder per argument name in the app's rules and bodies.
    def make_reference(self) -> str:
        return self.world.new_case(self.policy_id)

    def make_policy_id(self) -> int:
        return self.world.policy_id

    def make_policy_number(self) -> str:
        return self.world.policy_number

    def make_organization_id(self) -> int:
        return self.world.organization_id

    def make_kind(self) -> str:
        return "gdpr_authority"

    def make_key(self) -> str:
        return "intake"

    def make_filename(self) -> str:
        return "hotline.css"

    def make_login_email(self) -> str:
        return self.world.users["operator"].email

    def make_line_id(self) -> int:
        return self.world.api("POST", f"/api/v1/cases/{self.reference}/costs",
                              {**COST_JSON, "category": "advisory", "amount_jpy": 100_000})["id"]

    def make_task_id(self) -> int:
        return self.world.api("POST", f"/api/v1/cases/{self.reference}/tasks",
                              {"phase": "intake", "title": "確認"})["id"]

    def make_vendor_id(self) -> int:
        return self.world.api("POST", "/api/v1/vendors", self.fill(VENDOR_JSON))["id"]

    def make_dispatch_id(self) -> int:
        return self.world.api("POST", f"/api/v1/cases/{self.reference}/dispatches", self.fill(DISPATCH_JSON))["id"]

    def make_token(self) -> str:
        """The vendor's link, from the SMS sent when the dispatch started (the case has no other dispatch)."""
        _ = self.dispatch_id
        sms = self.world.api("GET", f"/api/v1/outbox?case={self.reference}")
        links = [m for m in (re.search(r"/dispatch/answer/([\w.\-]+)", s["body"]) for s in sms) if m]
        assert links, sms
        return links[0].group(1)

    def make_receipt_id(self) -> int:
        response = self.world.api_client.post(
            f"/api/v1/cases/{self.reference}/costs/{self.line_id}/receipts", data={"file": self.fill("{receipt_file}")},
            headers={"Authorization": f"Bearer {self.world.tokens['coordinator']}"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def make_insured_id(self) -> int:
        return self.world.factory.user("insured", self.world.db.get(Organization, self.world.organization_id)).id

    def _link(self, purpose: str, user) -> str:
        from hotline.accounts import service
        from hotline.accounts.links import AccountSettings, make_token
        from hotline.accounts.models import AccountLink

        settings = AccountSettings.from_config(self.world.app.config)
        with self.world.app.app_context():
            if purpose == "invitation":
                _user, link = service.invite(self.world.db, organization_id=self.world.organization_id,
                                             email=f"link{next(_counter)}@example.jp", name="招待", actor=None,
                                             notifier=self.world.app.extensions["hotline.notifier"],
                                             settings=settings)
            else:
                service.request_reset(self.world.db, email=user.email, settings=settings,
                                      notifier=self.world.app.extensions["hotline.notifier"])
                link = self.world.db.exec(select(AccountLink).where(AccountLink.user_id == user.id)
                                          .order_by(AccountLink.id.desc())).first()
        return make_token(settings.secret_key, purpose, link.id, link.nonce)

    def make_invitation_token(self) -> str:
        return self._link("invitation", None)

    def make_reset_token(self) -> str:
        return self._link("password_reset", self.world.factory.user("insured", self.world.db.get(
            Organization, self.world.organization_id)))

    def make_call_sid(self) -> str:
        return "CA" + uuid.uuid4().hex

    def make_call_id(self) -> int:
        """A missed call from the own company's number, nobody has called back yet."""
        from hotline.calls.models import Call

        call = Call(sid=self.make_call_sid(), from_number="+819011112222", from_e164="+819011112222",
                    started_at=NOW, ended_at=NOW, status="missed", organization_ids=[self.world.organization_id])
        self.world.db.add(call)
        self.world.db.commit()
        return call.id

    def make_roster_user_id(self) -> int:
        return self.world.users["operator"].id

    def make_entry_id(self) -> int:
        from hotline.calls.models import RosterEntry

        entry = RosterEntry(user_id=self.world.users["operator"].id, weekdays="0123456", starts=dt.time(0),
                            ends=dt.time(0), position=9)
        self.world.db.add(entry)
        self.world.db.commit()
        return entry.id

    def make_message_id(self) -> int:
        """A message raised to a person (every attempt failed), for someone to mark handled."""
        from hotline.db import utcnow
        from hotline.outbox.models import OutboxMessage

        row = OutboxMessage(channel="sms", to="+81300000201", body="期限のお知らせ", status="failed", adapter="twilio",
                            source="reminder:1", attempts=4, escalated_at=utcnow())
        self.world.db.add(row)
        self.world.db.commit()
        return row.id

    def make_user_id(self) -> int:
        return self.world.factory.user("operator").id

    def make_token_id(self) -> int:
        from hotline.auth.models import ApiToken

        user = self.world.factory.user("operator")
        self.world.factory.token(user)
        return self.world.db.exec(select(ApiToken.id).where(ApiToken.user_id == user.id)).one()


@pytest.fixture(scope="module")
def world(module_database_url, tmp_path_factory):
    app = create_app({
        "TESTING": True, "DATABASE_URL": module_database_url, "SECRET_KEY": "test-secret",
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False, "PASSWORD_HASH_METHOD": FAST_HASH,
        "PUBLIC_BASE_URL": "http://localhost", "TWILIO_ACCOUNT_SID": None, "TWILIO_FROM_NUMBER": None,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN})
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    world = World(app)
    yield world
    world.db.close()
    app.extensions["hotline.engine"].dispose()


# --- Calling a route ---------------------------------------------------------------------------------------
def send(world: World, route: R, principal: str, objects: Objects, *, signature: str | None = "valid"):
    """One call of `route` by `principal` ('anonymous' or a role). Returns (response, page client or None)."""
    path, body = objects.path(route.rule), objects.fill(route.body)
    if route.api:
        sent = {"data": body} if route.multipart else {"json": body}
        if principal == "anonymous":  # a staff member's page session, but no token
            return world.pages["coordinator"].open(path, method=route.method, **sent), None
        headers = {"Authorization": f"Bearer {world.tokens[principal]}"}
        return world.api_client.open(path, method=route.method, headers=headers, **sent), None
    if principal == "anonymous":
        client = world.app.test_client()
        csrf = csrf_from(client, "/login") if route.method != "GET" else None
    elif route.own_session:
        client, csrf = world.logged_in(principal)
    else:
        client, csrf = world.pages[principal], world.csrf[principal]
    headers = {}
    if route.who == TWILIO:
        form = body or {}
        if signature:
            key = TWILIO_AUTH_TOKEN if signature == "valid" else "another-auth-token"
            headers["X-Twilio-Signature"] = RequestValidator(key).compute_signature(f"http://localhost{path}", form)
    else:
        form = None if route.method == "GET" else {**(body or {}), "csrf_token": csrf}
    return client.open(path, method=route.method, data=form, headers=headers), client


def describe(response) -> str:
    text = response.get_data(as_text=True)
    return f"{response.status_code} {response.headers.get('Location', '')} {text[:300]!r}"


def check_allowed(route: R, response, client, expected: int) -> None:
    assert response.status_code == expected, describe(response)
    if 300 <= expected < 400:
        location = response.headers["Location"]
        assert location.startswith("/") or location.startswith("http://localhost/"), location
        if client is not None:  # the page it leads to must not say the action failed
            page = client.get(location)
            assert page.status_code in (200, 302), describe(page)
            assert 'class="flash error"' not in page.get_data(as_text=True), describe(page)


def check_denied(route: R, principal: str, response) -> None:
    if principal == "anonymous":
        if route.api:
            assert response.status_code == 401, describe(response)
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], describe(response)
        return
    assert response.status_code == 403, describe(response)
    if route.api:
        assert response.get_json()["error"]["code"] == "forbidden"


def readable(response) -> str:
    """What a reader of the answer reads: a page's or a file's characters, and a PDF's text (the claim report)."""
    text = response.data.decode("utf-8", errors="replace")
    if response.mimetype == "application/pdf" and shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True)
        text += done.stdout.decode("utf-8", errors="replace")
    return text


def check_nothing_foreign(world: World, response) -> None:
    text = readable(response)
    leaked = sorted(x for x in world.foreign if x and x in text)
    assert not leaked, f"an insured reads {leaked}"


# --- The tests ---------------------------------------------------------------------------------------------
def _param(route: R, caller: str, *values):
    """A test case named 'METHOD rule caller', marked when KNOWN_DEFECTS lists it."""
    defect = KNOWN_DEFECTS.get((route.method, route.rule, caller))
    marks = [pytest.mark.xfail(strict=True, reason=defect)] if defect else []
    return pytest.param(route, *values, id=f"{route} {caller}", marks=marks)


@pytest.mark.parametrize("route,principal", [_param(r, p, p) for r in ROUTES for p in ("anonymous", *ROLES)])
def test_each_caller(route: R, principal: str, world: World):
    allowed = route.allows(principal)
    objects = Objects(world) if allowed and route.method != "GET" else world.shared
    response, client = send(world, route, principal, objects)
    if allowed:
        check_allowed(route, response, client, route.answer(principal))
    else:
        check_denied(route, principal, response)


_SCOPED = [r for r in ROUTES if "<reference>" in r.rule or "<int:policy_id>" in r.rule]


@pytest.mark.parametrize("route", [_param(r, "insured of another organisation") for r in _SCOPED])
def test_insured_asking_for_another_companys_case_or_policy(route: R, world: World):
    response, _client = send(world, route, "insured", world.other)
    assert response.status_code == (404 if route.allows("insured") else 403), describe(response)
    check_nothing_foreign(world, response)


_READS = [r for r in ROUTES if r.method == "GET" and r.allows("insured")]


@pytest.mark.parametrize("route", [_param(r, "insured reading") for r in _READS])
def test_an_insured_reads_nothing_of_another_company_nor_staff_contacts(route: R, world: World):
    response, _client = send(world, route, "insured", world.shared)
    check_nothing_foreign(world, response)


_LINKS = [r for r in ROUTES if r.who == LINK]
_HOOKS = [r for r in ROUTES if r.who == TWILIO]


@pytest.mark.parametrize("route", _LINKS, ids=[str(r) for r in _LINKS])
def test_a_forged_link_is_not_found(route: R, world: World):
    objects = Objects(world)
    name = re.search(r"<(\w*token)>", route.rule).group(1)  # the vendor's answer link, an account link
    head, _dot, signature = getattr(objects, name).rpartition(".")
    setattr(objects, name, f"{head}.{'B' if signature[:1] == 'A' else 'A'}{signature[1:]}")
    response, _client = send(world, route, "anonymous", objects)
    assert response.status_code == 404, describe(response)


@pytest.mark.parametrize("route", _HOOKS, ids=[str(r) for r in _HOOKS])
def test_an_unsigned_or_wrongly_signed_twilio_request_is_refused(route: R, world: World):
    objects = Objects(world)
    for signature in (None, "another key"):
        response, _client = send(world, route, "anonymous", objects, signature=signature)
        assert response.status_code == 403, (signature, describe(response))


def _listed() -> set[tuple[str, str]]:
    return {(r.method, r.rule) for r in ROUTES}


def test_every_route_is_listed(world: World):
    served = {(m, rule.rule) for rule in world.app.url_map.iter_rules() for m in rule.methods - {"HEAD", "OPTIONS"}}
    missing = sorted(served - _listed(), key=lambda x: (x[1], x[0]))
    assert not missing, "routes without a line in ROUTES; add:\n" + "\n".join(
        f'    R("{m}", "{rule}", "<who>", <answer>, <request>),' for m, rule in missing)
    stale = sorted(_listed() - served)
    assert not stale, f"lines in ROUTES for routes the app does not serve: {stale}"
    assert len(ROUTES) == len(_listed()), "a route is listed twice"


def test_a_method_a_route_does_not_register_answers_405(world: World):
    """Never a 500, and never a way around the table: every other method is refused before any view runs."""
    methods: dict[str, set[str]] = {}
    for rule in world.app.url_map.iter_rules():
        methods.setdefault(rule.rule, set()).update(rule.methods)
    wrong = []
    for rule, registered in methods.items():
        path = world.shared.path(rule)
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - registered):
            status = world.pages["admin"].open(path, method=method, data={"csrf_token": world.csrf["admin"]},
                                               headers={"Authorization": f"Bearer {world.tokens['admin']}"}).status_code
            if status != 405:
                wrong.append(f"{method} {path}: {status}")
    assert not wrong, wrong
