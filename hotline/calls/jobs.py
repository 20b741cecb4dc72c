"""The clock jobs of the phone line: missed calls not called back in time, roster windows with nobody on duty."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlmodel import Session

from hotline.calls import service
from hotline.calls.settings import from_config

MAX_PER_TICK = 200


def alert_missed_calls(app: Flask, now: dt.datetime) -> int:
    """Each missed call not called back within CALLBACK_ALERT_MINUTES, once, in its own transaction."""
    settings, notifier = from_config(app.config), app.extensions["hotline.notifier"]
    for done in range(MAX_PER_TICK):
        with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
            if not service.alert_missed_one(session, now=now, settings=settings, notifier=notifier):
                return done
    return MAX_PER_TICK


def close_abandoned_calls(app: Flask, now: dt.datetime) -> int:
    """Calls hung up in the menu (no status callback told us): abandoned."""
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
        return service.close_abandoned(session, now=now)


def warn_roster_gaps(app: Flask, now: dt.datetime) -> int:
    """Each window of the next ROSTER_WARNING_HOURS with nobody on duty, once."""
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
        return service.warn_roster_gaps(session, now=now, settings=from_config(app.config),
                                        notifier=app.extensions["hotline.notifier"])
