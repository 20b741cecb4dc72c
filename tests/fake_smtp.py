"""A real SMTP server for tests (aiosmtpd) on 127.0.0.1: STARTTLS with a certificate made for the test, and
AUTH (PLAIN/LOGIN) only after TLS, with one user. It keeps what it received."""
from __future__ import annotations

import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "hotline", "smtp-pass@word"


def free_port() -> int:
    """aiosmtpd's Controller needs a concrete port (port 0 fails its start-up check)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@dataclass
class FakeSmtp:
    port: int
    cafile: Path
    received: list = field(default_factory=list)  # (envelope from, recipients, raw bytes, TLS?, login)

    def url(self, user: str = USER, password: str = PASSWORD) -> str:
        from urllib.parse import quote

        return f"smtp://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}?starttls=1&cafile={self.cafile}"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=default) for _f, _r, raw, _tls, _login in self.received]

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                              session.ssl is not None, session.auth_data))
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def serve(directory: Path) -> tuple[FakeSmtp, Controller]:
    cert, key = self_signed(directory)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(cert), str(key))
    fake = FakeSmtp(port=free_port(), cafile=cert)
    controller = Controller(fake, hostname="127.0.0.1", port=fake.port, tls_context=tls, require_starttls=True,
                            authenticator=_authenticator, auth_require_tls=True)
    controller.start()
    return fake, controller
