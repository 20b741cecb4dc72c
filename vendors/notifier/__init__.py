"""How messages leave the building: the notifier interface, and the adapter the configuration chooses.

A notifier delivers one message on one channel. Two adapters, one module each: `outbox` (the message is only
stored and shown on the Outbox page; the default, so the app runs with no account anywhere) and `twilio`
(SMS and voice through the real `twilio` client). Nothing outside vendors/notifier/twilio.py imports `twilio`.
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


@dataclass(frozen=True)
class Delivery:
    status: str  # queued | sent | failed
    adapter: str
    provider_id: str | None = None
    error: str | None = None


class Notifier(Protocol):
    name: str

    def deliver(self, message: Message) -> Delivery: ...


def from_config(config) -> Notifier:
    """Twilio when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER are set, else the outbox."""
    sid, token, sender = (config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN"),
                          config.get("TWILIO_FROM_NUMBER"))
    if sid and token and sender:
        from vendors.notifier.twilio import TwilioNotifier

        return TwilioNotifier(sid, token, sender, api_base_url=config.get("TWILIO_API_BASE_URL"))
    from vendors.notifier.outbox import OutboxNotifier

    return OutboxNotifier()
