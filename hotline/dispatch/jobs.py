"""The clock job of dispatch: escalate the steps nobody answered in time."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlmodel import Session

from hotline.dispatch.service import escalate_one
from hotline.dispatch.settings import from_config

MAX_PER_TICK = 200  # a backlog after a long outage drains over a few ticks, never in one huge burst


def escalate_dispatches(app: Flask, now: dt.datetime) -> int:
    """Each overdue step in its own transaction (escalate_one commits), so a crash between two steps loses or
    repeats nothing."""
    settings, notifier = from_config(app.config), app.extensions["hotline.notifier"]
    for done in range(MAX_PER_TICK):
        with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
            if not escalate_one(session, now=now, notifier=notifier, settings=settings):
                return done
    return MAX_PER_TICK
