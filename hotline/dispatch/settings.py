"""Dispatch settings, read from the app config with environment fallbacks and safe defaults."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class DispatchSettings:
    secret_key: str
    base_url: str  # PUBLIC_BASE_URL: links in SMS and the voice webhook URLs are absolute
    ack_timeout: dt.timedelta  # how long a contact has to answer before the next step
    link_max_age: float  # seconds an answer link stays valid
    voice: bool  # also call the contact (needs Twilio)
    twilio: bool


def _get(config, name: str, default):
    value = config.get(name)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def from_config(config) -> DispatchSettings:
    twilio = bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")
                  and config.get("TWILIO_FROM_NUMBER"))
    voice_flag = str(_get(config, "DISPATCH_VOICE", "0")).strip().lower() in {"1", "true", "yes", "on"}
    return DispatchSettings(
        secret_key=config["SECRET_KEY"],
        base_url=str(config.get("PUBLIC_BASE_URL") or "http://localhost:8000").rstrip("/"),
        ack_timeout=dt.timedelta(seconds=float(_get(config, "DISPATCH_ACK_TIMEOUT_SECONDS", 15 * 60))),
        link_max_age=float(_get(config, "DISPATCH_LINK_MAX_AGE_SECONDS", 24 * 3600)),
        voice=voice_flag and twilio,
        twilio=twilio,
    )
