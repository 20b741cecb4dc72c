"""A small fake of Twilio's REST API on 127.0.0.1, so tests drive the real `twilio` client over HTTP."""
from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Received:
    path: str
    form: dict[str, str]
    auth: tuple[str, str]


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "a" * 32
    auth_token: str = "test-auth-token"
    requests: list[Received] = field(default_factory=list)
    fail_with: tuple[int, int, str] | None = None  # (status, twilio code, message) to answer errors
    url: str = ""

    def messages(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def calls(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/Calls.json")]


def serve() -> tuple[FakeTwilio, ThreadingHTTPServer]:
    fake = FakeTwilio()
    counter = itertools.count(1)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            raw = base64.b64decode(self.headers.get("Authorization", "Basic ").split(" ", 1)[1] or b"").decode()
            user, _, password = raw.partition(":")
            fake.requests.append(Received(self.path, form, (user, password)))
            if (user, password) != (fake.account_sid, fake.auth_token):
                return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            if fake.fail_with:
                status, code, message = fake.fail_with
                return self._answer(status, {"code": code, "message": message, "status": status})
            prefix = "CA" if self.path.endswith("/Calls.json") else "SM"
            sid = f"{prefix}{next(counter):032x}"
            return self._answer(201, {"sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
                                      "body": form.get("Body"), "account_sid": fake.account_sid})

        def _answer(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    return fake, server
