"""How messages leave the building: the notifier interface, and the adapter the configuration chooses.

A notifier delivers one message on one channel. Three adapters, one module each: `outbox` (the message is only
stored and shown on the Outbox page; the default, so the app runs with no account anywhere), `twilio` (SMS and
voice through the real `twilio` client) and `smtp` (e-mail). Each channel goes to its adapter when that one is
configured, else to the outbox (`ChannelRouter`). Nothing outside vendors/notifier/twilio.py imports `twilio`.
The app builds its notifier once, in the app factory (`app.extensions["hotline.notifier"]`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    channel: str  # sms | voice | email
    to: str
    body: str
    voice_url: str | None = None  # voice: where Twilio fetches the TwiML (e.g. a menu that gathers digits)
    subject: str | None = None  # email
    reference: str | None = None  # our id of the message (the outbox row), for the provider's status callbacks


@dataclass(frozen=True)
class Delivery:
    status: str  # queued (kept in the outbox) | sent (the provider has it) | failed
    adapter: str
    provider_id: str | None = None
    error: str | None = None


class Notifier(Protocol):
    name: str
    external: bool  # it hands messages to someone else (a provider): sent after the outbox row is committed

    def deliver(self, message: Message) -> Delivery: ...


class ChannelRouter:
    """Each channel to the adapter configured for it; a channel without one to the default (the outbox)."""
    name = "router"
    external = False  # the adapter each channel goes to says

    def __init__(self, routes: dict[str, Notifier], default: Notifier):
        self.routes, self.default = routes, default

    def adapter_for(self, channel: str) -> Notifier:
        return self.routes.get(channel, self.default)

    def deliver(self, message: Message) -> Delivery:
        return self.adapter_for(message.channel).deliver(message)


def adapter_for(notifier: Notifier, channel: str) -> Notifier:
    """The adapter that delivers this channel (the notifier itself unless it routes)."""
    return notifier.adapter_for(channel) if isinstance(notifier, ChannelRouter) else notifier


def from_config(config) -> Notifier:
    """SMS and voice through Twilio when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER are set; e-mail
    through SMTP when SMTP_URL is set (from MAIL_FROM); whatever is not configured stays in the outbox."""
    from vendors.notifier.outbox import OutboxNotifier

    routes: dict[str, Notifier] = {}
    sid, token, sender = (config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN"),
                          config.get("TWILIO_FROM_NUMBER"))
    if sid and token and sender:
        from vendors.notifier.twilio import TwilioNotifier

        base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
        routes["sms"] = routes["voice"] = TwilioNotifier(
            sid, token, sender, api_base_url=config.get("TWILIO_API_BASE_URL"),
            status_callback=f"{base}/twilio/status" if base.startswith("http") else None)
    if config.get("SMTP_URL"):
        from vendors.notifier.smtp import SmtpNotifier

        routes["email"] = SmtpNotifier.from_url(config["SMTP_URL"], config.get("MAIL_FROM") or "hotline@localhost")
    return ChannelRouter(routes, OutboxNotifier()) if routes else OutboxNotifier()
