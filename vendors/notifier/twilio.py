"""The Twilio adapter: SMS and voice through Twilio's REST API with the real `twilio` client, and what Twilio's
webhooks need (the X-Twilio-Signature check, TwiML). The only module that imports `twilio`."""
from __future__ import annotations

from xml.sax.saxutils import escape

from vendors.notifier import Delivery, Message


class TwilioNotifier:
    name = "twilio"
    external = True

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *,
                 api_base_url: str | None = None, timeout: float = 10, status_callback: str | None = None):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.from_number = from_number
        self.status_callback = status_callback  # POST /twilio/status, told which message by ?outbox=<id>
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base_url:  # a local fake Twilio API in tests; Twilio's own host otherwise
            self.client.api.base_url = api_base_url.rstrip("/")

    def deliver(self, message: Message) -> Delivery:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        callback = {}
        if self.status_callback:
            # The row's id rides in the URL: a callback finds its row even before our record of Twilio's answer.
            url = f"{self.status_callback}?outbox={message.reference}" if message.reference else self.status_callback
            callback = {"status_callback": url}
        try:
            if message.channel == "sms":
                res = self.client.messages.create(to=message.to, from_=self.from_number, body=message.body, **callback)
            elif message.channel == "voice":
                if message.voice_url:
                    res = self.client.calls.create(to=message.to, from_=self.from_number, url=message.voice_url,
                                                   **callback)
                else:
                    twiml = f'<Response><Say language="ja-JP">{escape(message.body)}</Say></Response>'
                    res = self.client.calls.create(to=message.to, from_=self.from_number, twiml=twiml, **callback)
            else:
                return Delivery(status="failed", adapter=self.name, error=f"Twilio cannot send {message.channel}")
        except TwilioRestException as exc:
            return Delivery(status="failed", adapter=self.name, error=f"Twilio {exc.status} {exc.code}: {exc.msg}")
        except (TwilioException, OSError) as exc:  # network errors surface as requests exceptions (OSError)
            return Delivery(status="failed", adapter=self.name, error=f"Twilio unreachable: {exc}")
        return Delivery(status="sent", adapter=self.name, provider_id=res.sid)


# --- Webhooks: what a dispatch call needs ------------------------------------------------------------
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


def message_twiml(text: str) -> str:
    """TwiML that answers an incoming text with one text."""
    from twilio.twiml.messaging_response import MessagingResponse

    mr = MessagingResponse()
    mr.message(text)
    return str(mr)


def sign_request(auth_token: str, url: str, params: dict) -> str:
    """X-Twilio-Signature of a request, as Twilio computes it (the admin's simulator signs its requests)."""
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token).compute_signature(url, params)
