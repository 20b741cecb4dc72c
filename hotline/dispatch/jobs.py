"""The clock job: escalate dispatch steps nobody answered in time."""
from __future__ import annotations

from flask import Flask
from sqlmodel import Session

from hotline.db import utcnow
from hotline.dispatch.service import escalate_one
from hotline.dispatch.settings import from_config

MAX_PER_TICK = 200  # a backlog after a long outage drains over a few ticks, never in one huge burst


def escalate_dispatches(app: Flask) -> int:
    """Each overdue step in its own transaction (claim, next step, messages, timeline), so a crash
    between two steps loses or repeats nothing."""
    settings, notifier = from_config(app.config), app.extensions["hotline.notifier"]
    done = 0
    for _ in range(MAX_PER_TICK):
        with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
            if not escalate_one(session, now=utcnow(), notifier=notifier, settings=settings):
                break
        done += 1
    return done
