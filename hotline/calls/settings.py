"""Phone-line settings, as the calls code needs them, from the app config."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CallSettings:
    base_url: str  # PUBLIC_BASE_URL: Twilio signs the URL it called, and our TwiML names absolute URLs
    ring_seconds: int  # how long each person on duty is rung before the next one
    callback_alert: dt.timedelta  # a missed call not called back within this alerts people
    roster_lookahead: dt.timedelta  # how far ahead the clock looks for windows with nobody on duty


def from_config(config) -> CallSettings:
    return CallSettings(
        base_url=str(config.get("PUBLIC_BASE_URL") or "http://localhost:8000").rstrip("/"),
        ring_seconds=int(config.get("CALL_RING_SECONDS", 20)),
        callback_alert=dt.timedelta(minutes=float(config.get("CALLBACK_ALERT_MINUTES", 15))),
        roster_lookahead=dt.timedelta(hours=float(config.get("ROSTER_WARNING_HOURS", 24))),
    )
