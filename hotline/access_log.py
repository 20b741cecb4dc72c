"""Logs without the secrets of signed links.

A vendor's answer link, an invitation and a password reset carry their token in the URL path (links sent by SMS
and e-mail must work by a tap, and changing them would break links already sent). Whoever reads a log must not
be able to answer a dispatch or take over an account with what is written there, so every log line that names
a path says `[token]` instead: gunicorn's access log (RedactingLogger, used by the Procfile and the demo
command) and the app's own error log. The pages send no Referer (hotline/headers.py), so no token leaves that way.
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

# The path segment that follows each of these prefixes is a token (tests/hotline/test_access_log.py checks that
# every route of the app with a token in its path is covered).
TOKEN_PREFIXES = ("/dispatch/answer/", "/twilio/dispatch/", "/account/setup/", "/password/reset/")
_TOKEN = re.compile("(" + "|".join(re.escape(p) for p in TOKEN_PREFIXES) + r")[^/?#\s\"']+")


def redact_tokens(text: str) -> str:
    return _TOKEN.sub(r"\1[token]", text)


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log atoms (request line, path, referer, environ values) name no token,
    whatever `--access-logformat` is used."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in list(atoms.items()):
            if isinstance(value, str):
                atoms[key] = redact_tokens(value)
        return atoms
