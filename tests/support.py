"""Helpers shared by the tests: instants in Tokyo time, a row factory, an API client with a token, and
logging in through the pages. Fixtures live in conftest.py; plain helpers live here so tests import them."""
from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session

from workflows.calendar import TOKYO

PASSWORD = "correct-horse-battery"
FAST_HASH = "pbkdf2:sha256:1000"  # production uses scrypt; tests need speed, not strength


def jst(*args) -> dt.datetime:
    """jst(2026, 4, 10, 23, 30): an aware instant in Tokyo time."""
    return dt.datetime(*args, tzinfo=TOKYO)


class Factory:
    """Builds rows directly, committed, for tests to act upon."""

    def __init__(self, session: Session):
        self.s = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def org(self, name: str | None = None):
        from hotline.orgs.models import Organization

        org = Organization(name=name or f"テスト株式会社{self._next()}")
        self.s.add(org)
        self.s.commit()
        return org

    def policy(self, org=None, *, plan: str = "A", product: str = "tm-juas-2026",
               start: dt.datetime = jst(2026, 3, 1, 16, 0), end: dt.datetime = jst(2027, 3, 1, 16, 0)):
        from hotline.orgs.models import Policy

        org = org or self.org()
        policy = Policy(organization_id=org.id, product=product, plan=plan, policy_number=f"POL-{self._next():05d}",
                        period_start=start, period_end=end)
        self.s.add(policy)
        self.s.commit()
        return policy

    def user(self, role: str, org=None, *, email: str | None = None, phone: str | None = None,
             language: str | None = None, display_name: str = ""):
        from hotline.auth.service import create_user

        if role == "insured" and org is None:
            org = self.org()
        user = create_user(self.s, email=email or f"{role}{self._next()}@example.jp", role=role, password=PASSWORD,
                           organization_id=org.id if org is not None else None, hash_method=FAST_HASH, phone=phone,
                           language=language, display_name=display_name)
        self.s.commit()
        return user

    def token(self, user) -> str:
        from hotline.auth.service import issue_token

        token = issue_token(self.s, user)
        self.s.commit()
        return token

    def case(self, policy=None, **facts):
        """A case row with sensible defaults, completed the way `init-db` completes a row loaded in bulk (its
        deadlines, phases and intake checklist); intake rules are tested through the service and API."""
        from hotline.cases.models import Case
        from hotline.cases.service import backfill

        policy = policy or self.policy()
        n = self._next()
        values = {"reference": f"CY-2026-{900000 + n:06d}", "policy_id": policy.id, "caller_name": "山田太郎",
                  "first_discovered_at": jst(2026, 4, 10, 23, 30), "reported_at": jst(2026, 4, 11, 0, 15),
                  "summary": "不審な通信を検知", **facts}
        case = Case(**values)
        self.s.add(case)
        self.s.commit()
        backfill(self.s)
        return case


def said(event, lang: str = "en") -> str:
    """An audit event's sentence as a reader in `lang` reads it (the API: English)."""
    from hotline.i18n import render
    from hotline.timeline.render import summary

    said = summary(event)
    return said(lang) if callable(said) else render(said, lang)


class Api:
    """The test client with a bearer token: api.get('/cases/…') → response."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path, **kw):
        return self.client.get(f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch(f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client, path: str) -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client, user, password: str = PASSWORD):
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def post_form(client, path: str, data: dict, *, form_page: str | None = None):
    """POST a form with a CSRF token taken from the page that shows it (default: the same path)."""
    token = csrf_from(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})


def browser_login(page, base_url: str, user, password: str = PASSWORD):
    page.goto(f"{base_url}/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/dashboard")


def row_counts(session) -> dict[str, int]:
    """Rows in every table, in one query: compared before and after a request that must write nothing."""
    import sqlalchemy as sa
    from sqlmodel import SQLModel

    tables = SQLModel.metadata.sorted_tables
    query = sa.union_all(*(sa.select(sa.literal(t.name).label("t"), sa.func.count().label("n")).select_from(t)
                           for t in tables))
    session.rollback()  # a fresh snapshot (PostgreSQL would keep the transaction's one)
    counts = dict(session.execute(query).all())
    session.rollback()
    return counts


# Receipt files as their first bytes say (hotline/costs/receipts.py reads the content, never the name).
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
