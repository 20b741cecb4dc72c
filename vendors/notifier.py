"""How messages leave the building.

A notifier delivers one message on one channel. Two adapters: the outbox (the message is only stored
and shown on the Outbox page; the default, so the app runs with no account anywhere) and Twilio
(SMS and voice through the real `twilio` client). Nothing else in the code base imports `twilio`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from xml.sax.saxutils import escape


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


class OutboxNotifier:
    """Keeps the message in the outbox table, where people read it. Nothing leaves the machine."""

    name = "outbox"

    def deliver(self, message: Message) -> Delivery:
        return Delivery(status="queued", adapter=self.name)


class TwilioNotifier:
    """SMS and voice through Twilio's REST API."""

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *,
                 api_base_url: str | None = None, timeout: float = 10):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.from_number = from_number
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base_url:  # a local fake Twilio API in tests; Twilio's own host otherwise
            self.client.api.base_url = api_base_url.rstrip("/")

    def deliver(self, message: Message) -> Delivery:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            if message.channel == "sms":
                res = self.client.messages.create(to=message.to, from_=self.from_number, body=message.body)
            elif message.channel == "voice":
                if message.voice_url:
                    res = self.client.calls.create(to=message.to, from_=self.from_number, url=message.voice_url)
                else:
                    twiml = f'<Response><Say language="ja-JP">{escape(message.body)}</Say></Response>'
                    res = self.client.calls.create(to=message.to, from_=self.from_number, twiml=twiml)
            else:
                return Delivery(status="failed", adapter=self.name, error=f"Twilio cannot send {message.channel}")
        except TwilioRestException as exc:
            return Delivery(status="failed", adapter=self.name, error=f"Twilio {exc.status} {exc.code}: {exc.msg}")
        except (TwilioException, OSError) as exc:  # network errors surface as requests exceptions (OSError)
            return Delivery(status="failed", adapter=self.name, error=f"Twilio unreachable: {exc}")
        return Delivery(status="sent", adapter=self.name, provider_id=res.sid)


def notifier_from_config(config) -> Notifier:
    """Twilio when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER are set, else the outbox."""
    sid, token, sender = (config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN"),
                          config.get("TWILIO_FROM_NUMBER"))
    if sid and token and sender:
        return TwilioNotifier(sid, token, sender, api_base_url=config.get("TWILIO_API_BASE_URL"))
    return OutboxNotifier()


# --- Voice: what a dispatch call needs (kept here so nothing else imports `twilio`) ---------------------
def twilio_signature_valid(auth_token: str | None, urls: list[str], params: dict, signature: str) -> bool:
    """Whether X-Twilio-Signature matches one of the URLs the request may have been signed for (the public
    URL behind a proxy, or the URL as this app sees it)."""
    from twilio.request_validator import RequestValidator

    if not auth_token or not signature:
        return False
    validator = RequestValidator(auth_token)
    return any(validator.validate(url, params, signature) for url in urls)


def gather_twiml(script: str, *, action: str, prompt: str, no_input: str, redirect: str) -> str:
    """TwiML that reads `script` in Japanese, then gathers one digit posted to `action`."""
    from twilio.twiml.voice_response import Gather, VoiceResponse

    vr = VoiceResponse()
    gather = Gather(action=action, method="POST", num_digits=1, timeout=10, input="dtmf")
    if script:
        gather.say(script, language="ja-JP", voice="Polly.Mizuki")
    gather.say(prompt, language="ja-JP", voice="Polly.Mizuki")
    vr.append(gather)
    vr.say(no_input, language="ja-JP", voice="Polly.Mizuki")
    vr.redirect(redirect, method="POST")
    return str(vr)


def say_twiml(text: str) -> str:
    from twilio.twiml.voice_response import VoiceResponse

    vr = VoiceResponse()
    vr.say(text, language="ja-JP", voice="Polly.Mizuki")
    vr.hangup()
    return str(vr)
