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


# --- Webhooks: the hotline's own line (hotline/calls/webhooks.py) ------------------------------------------
# The voice each language is read in. Said = (text, language code): one answer may mix both (the Japanese
# greeting ends with "For English, press 9" read in English).
VOICES = {"ja": ("ja-JP", "Polly.Mizuki"), "en": ("en-US", "Polly.Joanna")}


def _say(node, said: list[tuple[str, str]]) -> None:
    for text, lang in said:
        code, voice = VOICES.get(lang, VOICES["ja"])
        node.say(text, language=code, voice=voice)


def menu_twiml(said: list[tuple[str, str]], *, action: str, redirect: str, num_digits: int = 1,
               finish_on_key: str | None = None, timeout: int = 8) -> str:
    """Read `said` while gathering keys posted to `action`; without a key, go on to `redirect`."""
    from twilio.twiml.voice_response import Gather, VoiceResponse

    vr = VoiceResponse()
    options = {"finish_on_key": finish_on_key} if finish_on_key else {}
    gather = Gather(action=action, method="POST", input="dtmf", num_digits=num_digits, timeout=timeout, **options)
    _say(gather, said)
    vr.append(gather)
    vr.redirect(redirect, method="POST")
    return str(vr)


def dial_twiml(said: list[tuple[str, str]], numbers: list[str], *, action: str | None, timeout: int) -> str:
    """Read `said`, then ring `numbers` together for `timeout` seconds; when that leg ends Twilio posts to
    `action` (DialCallStatus, DialCallDuration)."""
    from twilio.twiml.voice_response import Dial, VoiceResponse

    vr = VoiceResponse()
    _say(vr, said)
    dial = Dial(action=action, method="POST", timeout=timeout) if action else Dial(timeout=timeout)
    for number in numbers:
        dial.number(number)
    vr.append(dial)
    return str(vr)


def hangup_twiml(said: list[tuple[str, str]]) -> str:
    from twilio.twiml.voice_response import VoiceResponse

    vr = VoiceResponse()
    _say(vr, said)
    vr.hangup()
    return str(vr)


def twilio_signature(auth_token: str, url: str, params: dict) -> str:
    """X-Twilio-Signature as Twilio computes it (the call simulator signs its requests with it)."""
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token).compute_signature(url, params)
