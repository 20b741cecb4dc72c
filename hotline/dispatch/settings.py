"""Dispatch settings, as the dispatch code needs them, from the app config."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DispatchSettings:
    secret_key: str
    base_url: str  # PUBLIC_BASE_URL: links in SMS and the voice webhook URLs are absolute
    ack_timeout: dt.timedelta  # how long a contact has to answer before the next step
    link_max_age: float  # seconds an answer link stays valid
    voice: bool  # also call the contact (needs Twilio)
    twilio: bool


def _flag(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def from_config(config) -> DispatchSettings:
    """From the app config (hotline/config.py reads the environment); tests may override any key."""
    twilio = bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")
                  and config.get("TWILIO_FROM_NUMBER"))
    return DispatchSettings(
        secret_key=config["SECRET_KEY"],
        base_url=str(config.get("PUBLIC_BASE_URL") or "http://localhost:8000").rstrip("/"),
        ack_timeout=dt.timedelta(seconds=float(config.get("DISPATCH_ACK_TIMEOUT_SECONDS", 15 * 60))),
        link_max_age=float(config.get("DISPATCH_LINK_MAX_AGE_SECONDS", 24 * 3600)),
        voice=_flag(config.get("DISPATCH_VOICE", False)) and twilio,
        twilio=twilio,
    )
