"""Every page, as every role, carries the security headers and nothing that a Content-Security-Policy without
'unsafe-inline' would block (an inline <script>, a <style>, a style="" or on…="" attribute, a javascript: link);
and every aria-describedby, aria-labelledby, aria-controls and <label for> on it points at an element that is there.

The pages are those of tests/hotline/test_every_page_in_both_languages.py (from the URL map, with its world), and
the refused forms of the same file, whose error messages are what aria-describedby points at.
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from hotline.headers import CONTENT_SECURITY_POLICY
from tests.hotline.test_every_page_in_both_languages import ROLES, _pages, refused_form_answers, world  # noqa: F401
from tests.support import CSRF_RE, PASSWORD, login

REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls", "aria-owns", "aria-errormessage")


class PageCheck(HTMLParser):
    """What a strict CSP would block, the ids a page has and the ids its attributes point at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inline: list[str] = []
        self.ids: list[str] = []
        self.pointers: list[tuple[str, str]] = []  # (attribute, id)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.inline.append("<script> without src")
        if tag == "style":
            self.inline.append("<style>")
        for name, value in attrs.items():
            if name == "style" or name.startswith("on"):
                self.inline.append(f'<{tag} {name}="{value}">')
            if name in ("href", "action", "src", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.inline.append(f'<{tag} {name}="{value}">')
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        for name in REFERENCES:
            for target in (attrs.get(name) or "").split():
                self.pointers.append((name, target))
        if tag == "label" and attrs.get("for"):
            self.pointers.append(("for", attrs["for"]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def problems_of(body: str) -> list[str]:
    check = PageCheck()
    check.feed(body)
    ids = set(check.ids)
    out = [f"inline: {x}" for x in check.inline]
    out += [f'{attr}="{target}" points at no element' for attr, target in check.pointers if target not in ids]
    out += [f'id "{i}" is used twice' for i in sorted(ids) if check.ids.count(i) > 1]
    return out


def test_the_checker_finds_what_it_looks_for():
    page = ('<script>alert(1)</script><style>p{}</style><p style="color:red" onclick="x()">'
            '<input aria-describedby="err-a hint-a"><span id="hint-a"></span><label for="nope"></label>'
            '<a href="javascript:void(0)"></a><b id="d"></b><i id="d"></i><script src="/static/forms.js"></script>')
    assert problems_of(page) == [
        "inline: <script> without src", "inline: <style>", 'inline: <p style="color:red">',
        'inline: <p onclick="x()">', 'inline: <a href="javascript:void(0)">',
        'aria-describedby="err-a" points at no element', 'for="nope" points at no element', 'id "d" is used twice']


def assert_headers(response, where: str, *, hsts: bool = False):
    h = response.headers
    assert h.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("Referrer-Policy") == "same-origin", where
    assert h.get("Cache-Control") == "no-store", where
    assert ("Strict-Transport-Security" in h) is hsts, where


def test_the_policy_forbids_inline_code_and_framing():
    policy = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["default-src"] == "'self'" and "unsafe" not in CONTENT_SECURITY_POLICY
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'none'" and policy["object-src"] == "'none'"


def test_every_page_has_the_headers_no_inline_code_and_no_dangling_aria_reference(app, world):  # noqa: F811
    pages = _pages(app, world["values"])
    clients = {"anonymous": app.test_client()}
    for role in ROLES:
        clients[role] = app.test_client()
        login(clients[role], world["users"][role])
    problems, seen = [], 0
    for who, client in clients.items():
        for path in pages:
            for query in ("", "?capability=forensics") if path.endswith(("/dispatches", "/vendors")) else ("",):
                r = client.get(path + query)
                assert_headers(r, f"{who} {path}{query}")
                if "text/html" in r.content_type:
                    seen += 1
                    problems += [f"{who} {path}{query}: {p}" for p in problems_of(r.get_data(as_text=True))]
    assert seen > 50, seen
    assert not problems, "\n".join(problems)


def test_a_refused_form_points_at_its_errors(app, factory):
    problems = []
    for _role, path, _form, r in refused_form_answers(app, factory):
        assert r.status_code == 422, (path, r.status_code)
        assert_headers(r, path)
        body = r.get_data(as_text=True)
        assert "aria-describedby" in body, path
        problems += [f"{path}: {p}" for p in problems_of(body)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/login", "/api/v1/openapi.json", "/no-such-page"])
def test_answers_that_are_not_pages_have_the_headers_too(client, path):
    assert_headers(client.get(path), path)


def test_static_files_may_be_cached_and_https_gets_hsts(app, client):
    r = client.get("/static/hotline.css")
    assert r.status_code == 200 and r.headers.get("Cache-Control") != "no-store"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r.close()
    app.config["SESSION_COOKIE_SECURE"] = True  # served over HTTPS
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_forms_work_over_https_under_the_referrer_policy(app, factory):
    """Over HTTPS Flask-WTF refuses a form whose Referer is missing or another site's: the policy must let the
    browser send our own pages' address to us (same-origin), and nothing to anyone else."""
    user = factory.user("coordinator")
    client = app.test_client()
    page = client.get("/login", base_url="https://hotline.example.jp")
    form = {"email": user.email, "password": PASSWORD,
            "csrf_token": CSRF_RE.search(page.get_data(as_text=True)).group(1)}
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert client.post("/login", base_url="https://hotline.example.jp", data=form).status_code == 400  # no Referer
    assert client.post("/login", base_url="https://hotline.example.jp", data=form,
                       headers={"Referer": "https://evil.example/"}).status_code == 400
    r = client.post("/login", base_url="https://hotline.example.jp", data=form,
                    headers={"Referer": "https://hotline.example.jp/login"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
