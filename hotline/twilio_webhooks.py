"""What every Twilio webhook (/twilio/...) shares: the X-Twilio-Signature check and the TwiML answer.

The signature is computed by Twilio over the public URL it posted to (PUBLIC_BASE_URL + path and query) and the
form fields, with TWILIO_AUTH_TOKEN. Behind a proxy (TRUST_PROXY) the URL the app sees is rebuilt by ProxyFix
and is accepted too. Without Twilio credentials the webhooks still work for the admin simulator, which signs
with a token derived from SECRET_KEY (`auth_token`): nobody without the secret key can forge a request.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import Response, current_app, request

from hotline.errors import Forbidden
from vendors.notifier.twilio import twilio_signature_valid


def auth_token(config) -> str:
    """The token webhook signatures are checked with: Twilio's, or the simulator's when Twilio is not set."""
    if config.get("TWILIO_AUTH_TOKEN"):
        return config["TWILIO_AUTH_TOKEN"]
    return hmac.new(config["SECRET_KEY"].encode(), b"twilio-webhook-simulator", hashlib.sha256).hexdigest()


def public_url(path_and_query: str) -> str:
    return str(current_app.config.get("PUBLIC_BASE_URL") or "http://localhost:8000").rstrip("/") + path_and_query


def check_signature() -> None:
    """403 unless X-Twilio-Signature matches the request (form fields as posted)."""
    urls = [public_url(request.full_path.rstrip("?")), request.url]
    if not twilio_signature_valid(auth_token(current_app.config), urls, request.form.to_dict(),
                                  request.headers.get("X-Twilio-Signature", "")):
        raise Forbidden("Invalid Twilio signature.", code="bad_signature")


def twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")
