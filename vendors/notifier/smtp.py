"""The e-mail adapter: SMTP through Python's smtplib and email packages, configured by one URL.

    SMTP_URL=smtp://user:password@mail.example.jp:587?starttls=1      STARTTLS, then authentication
    SMTP_URL=smtps://user:password@mail.example.jp:465                TLS from the first byte
    SMTP_URL=smtp://relay.internal:25                                  a relay that needs neither

User and password are URL-encoded (an '@' in a user name is %40). Query options: starttls=1, timeout=<seconds>
(default 10), cafile=<path> (a private CA that signed the server's certificate; the system's CAs otherwise).
The certificate and host name are always checked. A message is built with `email.policy.SMTP`: UTF-8 body, the
Japanese subject RFC 2047-encoded, CRLF line ends. A refusal or an unreachable server is a failed Delivery with
the reason, never an exception: the outbox row records it.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from vendors.notifier import Delivery, Message


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 10
    cafile: str | None = None


def parse_url(url: str) -> SmtpSettings:
    """SMTP_URL → settings; a malformed URL stops start-up with what is wrong (never silently unsent mail)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:password@host:587?starttls=1 or smtps://host:465")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "timeout", "cafile"}
    if unknown:
        raise ValueError(f"SMTP_URL: unknown option(s) {', '.join(sorted(unknown))}")
    implicit = parts.scheme == "smtps"
    starttls = query.get("starttls", "0").lower() in ("1", "true", "yes", "on")
    if implicit and starttls:
        raise ValueError("SMTP_URL: smtps:// is already TLS; starttls=1 is for smtp://")
    return SmtpSettings(host=parts.hostname, port=parts.port or (465 if implicit else 587 if starttls else 25),
                        implicit_tls=implicit, starttls=starttls,
                        user=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else None,
                        timeout=float(query.get("timeout", "10")), cafile=query.get("cafile"))


def build_message(message: Message, sender: str) -> EmailMessage:
    mail = EmailMessage(policy=SMTP)
    mail["Subject"] = message.subject or ""
    mail["From"] = sender
    mail["To"] = message.to
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    mail.set_content(message.body, charset="utf-8")
    return mail


class SmtpNotifier:
    name = "smtp"
    external = True

    def __init__(self, settings: SmtpSettings, sender: str):
        self.settings, self.sender = settings, sender

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpNotifier:
        return cls(parse_url(url), sender)

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def deliver(self, message: Message) -> Delivery:
        if message.channel != "email":
            return Delivery(status="failed", adapter=self.name, error=f"SMTP cannot send {message.channel}")
        s = self.settings
        mail = build_message(message, self.sender)
        try:
            if s.implicit_tls:
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.starttls:
                    client.starttls(context=self._tls())
                if s.user:
                    client.login(s.user, s.password or "")
                refused = client.send_message(mail)
        except smtplib.SMTPException as exc:
            return Delivery(status="failed", adapter=self.name, error=f"SMTP refused: {exc}")
        except (OSError, ssl.SSLError) as exc:
            return Delivery(status="failed", adapter=self.name, error=f"SMTP unreachable: {exc}")
        if refused:
            return Delivery(status="failed", adapter=self.name, error=f"SMTP refused recipients: {refused}")
        return Delivery(status="sent", adapter=self.name, provider_id=mail["Message-ID"][:64])
