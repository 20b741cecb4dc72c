"""No token of a signed link in a log line: every route of the app that carries a token in its path is redacted,
and gunicorn's access log written through RedactingLogger names `[token]` in the request line, the path, the
referer and the environ atoms. (tests/hotline/test_demo_process.py reads the demo's real access log.)"""
from __future__ import annotations

import datetime as dt
import logging
import re
from types import SimpleNamespace

from gunicorn.config import Config

from hotline.access_log import RedactingLogger, redact_tokens

TOKEN = "eyJhIjoxMjN9.Zz1a2b.c2VjcmV0-LfW_x"


def test_every_route_with_a_token_in_its_path_is_redacted(app):
    def secret(arg: str) -> bool:  # <token>, <invitation_token>; not <token_id>, a number
        return arg == "token" or arg.endswith("_token")

    with_tokens = [rule for rule in app.url_map.iter_rules() if any(secret(arg) for arg in rule.arguments)]
    assert len(with_tokens) >= 6  # vendor answers (page and Twilio), invitations, password resets
    for rule in with_tokens:
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: TOKEN if secret(m.group(1)) else "7", rule.rule)
        assert TOKEN not in redact_tokens(f'"GET {path}?lang=ja HTTP/1.1" 200'), rule.rule
        assert "[token]" in redact_tokens(path)


def test_other_paths_are_left_as_they_are():
    for path in ("/cases/CY-2026-000001/coverage", "/dispatch/answer", "/account/language", "/password/forgot"):
        assert redact_tokens(path) == path


def test_gunicorns_access_log_line_of_a_link_visit_names_no_token(tmp_path):
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %({raw_uri}e)s %({referer}i)s')
    logger = RedactingLogger(cfg)
    path = f"/dispatch/answer/{TOKEN}"
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.5",
               "HTTP_REFERER": f"https://hotline.example.jp{path}"}
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    resp = SimpleNamespace(status="200 OK", response_length=10, sent=10, headers=[("Content-Type", "text/html")])
    logger.access(resp, req, environ, dt.timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert "POST /dispatch/answer/[token] HTTP/1.1" in line and TOKEN not in line, line
    assert line.count("[token]") == 5  # request line, referer, path, raw URI, referer header
    logging.getLogger("gunicorn.access").handlers.clear()
